"""Tracking services: links, and the redirect that turns a visit into a recorded click."""
