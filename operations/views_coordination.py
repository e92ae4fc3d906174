"""Placeholder: the helper building these pages replaces this file."""

from django.views import View


class CoordinationListView(View):
    move = None


class CoordinationCreateView(View):
    move = None


class CoordinationMatrixView(View):
    move = None


class ServiceLevelView(View):
    move = None


class CoordinationDetailView(View):
    move = None


class CoordinationMoveView(View):
    move = None


class CoordinationCommentView(View):
    move = None


class CoordinationReassignView(View):
    move = None


class CoordinationAttachmentAddView(View):
    move = None


class CoordinationAttachmentDownloadView(View):
    move = None
