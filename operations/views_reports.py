"""Placeholder: the helper building these pages replaces this file."""

from django.views import View


class ReportListView(View):
    move = None


class ReportCreateView(View):
    move = None


class ReportGridView(View):
    move = None


class ReportScheduleView(View):
    move = None


class ReportDetailView(View):
    move = None


class ReportEditView(View):
    move = None


class ReportSubmitView(View):
    move = None


class ReportReturnView(View):
    move = None


class ReportReviewView(View):
    move = None


class ActionItemCreateView(View):
    move = None


class ActionItemListView(View):
    move = None


class ActionItemDetailView(View):
    move = None


class ActionItemMoveView(View):
    move = None
