"""The job runner: periodic jobs, the scheduler's lease, the run-once guard, operator views.

Tasks themselves are django-tasks ``@task`` functions in each app's ``tasks.py``; the
database backend (django-tasks-db) stores and runs them. This package sits beside ``core``:
it names no domain, and finds periodic jobs by importing every installed app's ``tasks``.
"""
