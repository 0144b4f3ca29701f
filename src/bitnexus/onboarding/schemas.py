"""The getting-started checklist as the API returns it."""

from __future__ import annotations

from typing import Literal

from bitnexus.core.schemas import OutputModel

StepKey = Literal["branding", "policy", "product", "recruit", "api_key", "test_sale"]


class OnboardingStep(OutputModel):
    key: StepKey
    title: str
    detail: str
    done: bool
    href: str  # where in the app the step is done


class Onboarding(OutputModel):
    steps: list[OnboardingStep]
    done: int
    dismissed: bool
    join_url: str  # the page affiliates sign up on, to share
