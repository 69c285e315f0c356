"""The ``agenticraft`` command: ``chat``, ``run``, ``demo``, ``new`` and ``providers``.

Nothing here is imported by ``import agenticraft``; rich (the ``cli`` extra) is imported only
inside this package.
"""
