"""Errors of the catalog domain."""

from bitnexus.core.errors import Conflict, NotFound


class ProductNotFound(NotFound):
    title = "Product not found"


class ImageNotFound(NotFound):
    title = "Image not found"


class ProductNotReviewable(Conflict):
    title = "Product is not waiting for review"


class ProductArchived(Conflict):
    title = "Product is archived"


class TooManyImages(Conflict):
    title = "Too many images"
