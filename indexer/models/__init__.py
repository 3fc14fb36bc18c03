"""Trained models that sit on the shared frozen encoder (sentiment branch, its training code)."""
