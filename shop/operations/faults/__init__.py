"""The fault and load check (`manage.py fault_check`): the shop run as in production —
gunicorn, PostgreSQL, Redis, a Celery worker — and put through what a public shop meets:
fifty buyers for the last unit, a form submitted five times at once, its database
connections cut, Redis gone, a worker killed in the middle of a refresh.

stack.py starts and stops the processes (each by its PID) and owns the check's database;
browser.py is a shopper (cookies, CSRF, forms, no redirects followed); cases.py holds the
cases, each returning one row of the table the command prints.
"""
