"""Long work on the task queue (DESIGN §8): batch steps, a task per step and per document.

- :mod:`legalize.tasks.jobs` — jobs and their items in the register: the source of truth
  for what is asked, done and failed, and for the progress any web worker reads;
- :mod:`legalize.tasks.steps` — what a task does (start a job, carry out one case);
- :mod:`legalize.tasks.queue` — the Huey queue carrying ids to those tasks;
- :mod:`legalize.tasks.worker` — the worker processes (``legalize worker``).
"""
