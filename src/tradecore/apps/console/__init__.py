"""The operator console: ``tradecore-live console``, one web page to watch and act.

A Starlette app rendering Jinja2 templates (no front-end build step; one small
script refreshes the live parts), reading the store every trading process shares
and acting only through the services the command-line controls use.
"""
