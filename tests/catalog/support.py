"""The program factories live in tests/factories; this name stays for the tests that still
import them from here."""

from tests.factories import Program, new_program, png, product

__all__ = ["Program", "new_program", "png", "product"]
