"""Follow-up e-mails, sent by Celery beat: complements of what was bought, N days after
shipping, and one reminder for a cart left idle. Idempotent (a claimed FollowUp row per order
or idle cart), never to opted-out addresses, with a signed unsubscribe link that needs no
login and a signed link that brings a guest's cart back."""
