"""Seed data: the built-in LAA framework (`framework/*.csv`) and the deterministic demo."""

from seed_data.demo import DEFAULT_SEED, DEMO_TODAY, DemoSummary, seed_demo

__all__ = ["DEFAULT_SEED", "DEMO_TODAY", "DemoSummary", "seed_demo"]
