"""Experiments: data -> model -> fit -> evaluation, as functions of the scale.

A chapter calls these at the reader's scale (``quick`` by default, ``smoke`` in the
tests); the job runner (:mod:`lecturecode.jobs`) calls the very same functions at
the scale it is asked for. Each returns :class:`~lecturecode.records.ModelResult`
records, one per model and data set: what the results file and the book's tables
are made of.

This is the one registry of jobs: every module below declares its jobs with
:func:`~lecturecode.experiments.base.register`, and :data:`JOBS` holds them all, in
the order of :data:`MODULES` (the order a full run takes). A new experiments module
is added to that tuple; nothing else lists jobs.
"""

from . import autoregressive, flows, gan, multiscale, pixelcnn, sequence, verdict
from .base import Job, jobs_of

MODULES = (flows, multiscale, autoregressive, pixelcnn, sequence, gan, verdict)
JOBS: dict[str, Job] = jobs_of(MODULES)
