"""How command modules join a parser, the one way: a table of module names, each module exposing
one hook that takes the subparsers action and adds its commands (`register` for `voxindex`
itself, voxindex/cli.py; `register_bench` for the `bench` group, voxindex/bench.py).

argparse keeps sub-commands on private attributes; this module is the only one that reads them.
"""
from __future__ import annotations

import argparse
import importlib
from typing import Iterator


def register_modules(subparsers: argparse._SubParsersAction, modules: tuple[str, ...], hook: str = "register") -> None:
    """Each module adds its commands, in table order (the order `--help` lists them). A module
    that is missing or lacks the hook is an error: a command must not vanish quietly."""
    for name in modules:
        getattr(importlib.import_module(name), hook)(subparsers)


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The parser's sub-commands by name (empty when it has none)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


Command = tuple[tuple[str, ...], argparse.ArgumentParser]


def walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[Command]:
    """Every command and sub-command below `parser`, depth first, with its path of names."""
    for name, sub in subcommands(parser).items():
        yield (*path, name), sub
        yield from walk(sub, (*path, name))


def explain(parser: argparse.ArgumentParser) -> None:
    """A sub-command's one-line help (what its parent lists) becomes its description when it has
    none, so `voxindex <cmd> ... --help` always says what the command does."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                if not sub.description and helps.get(name):
                    sub.description = helps[name]
                explain(sub)
