"""The JSON API (`/api/v1/`): a thin layer over the same selectors and services as the pages.

A headless front end or a mobile app reads the catalog, changes the cart and gets every
recommendation placement through it. It holds no shop rule of its own: what a page shows
and refuses, the API shows and refuses, in JSON. See the README's "JSON API" section.
"""
