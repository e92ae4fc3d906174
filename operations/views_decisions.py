"""Placeholder: the helper building these pages replaces this file."""

from django.views import View


class DecisionQueueView(View):
    move = None


class DecisionLogView(View):
    move = None


class DecisionCreateView(View):
    move = None


class DecisionDetailView(View):
    move = None


class DecisionDecideView(View):
    move = None


class DecisionRequestInfoView(View):
    move = None


class DecisionProvideInfoView(View):
    move = None


class DecisionDeferView(View):
    move = None
