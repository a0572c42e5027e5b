"""The two routes: the page, and the stream it listens to."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.index),
    path("chat", views.chat),
]
