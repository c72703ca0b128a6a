"""Helpers every app uses: the floor below ``reps``, ``commitments`` and ``reminders``.

Nothing here imports an app; the apps import from here.
"""
