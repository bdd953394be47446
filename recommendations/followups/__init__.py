"""Follow-up e-mails, sent by Celery beat: complements of what was bought, N days after
shipping, and one reminder for a cart left idle. Idempotent (a claimed FollowUp row per order
or idle cart), only to addresses that agreed to marketing e-mail (shop.accounts), at most one
cart reminder per address per cooldown, with a signed unsubscribe link that needs no login
and a signed link that brings a guest's cart back."""
