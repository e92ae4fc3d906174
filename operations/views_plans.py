"""Placeholder: the helper building these pages replaces this file."""

from django.views import View


class PlanListView(View):
    move = None


class PlanCreateView(View):
    move = None


class PlanTimelineView(View):
    move = None


class MyMilestonesView(View):
    move = None


class PlanDetailView(View):
    move = None


class PlanRevisionView(View):
    move = None


class PlanNewRevisionView(View):
    move = None


class PlanRevisionEditView(View):
    move = None


class ObjectiveCreateView(View):
    move = None


class ObjectiveDetailView(View):
    move = None


class ObjectiveEditView(View):
    move = None


class ObjectiveDeleteView(View):
    move = None


class ProgressRecordView(View):
    move = None


class MilestoneCreateView(View):
    move = None


class MilestoneEditView(View):
    move = None


class MilestoneDeleteView(View):
    move = None


class MilestoneUpdateView(View):
    move = None


class MilestoneEvidenceView(View):
    move = None
