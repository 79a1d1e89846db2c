"""Draw (or check) the items of a labelled routing file from its seed.

    python -m research.draw_route_labels tests/data/route_labels.yaml --check
    python -m research.draw_route_labels tests/data/route_labels_dev.yaml \\
        --exclude tests/data/route_labels.yaml

Each group keeps its name, label, file and item count; its ``items:`` line is
redrawn with ``research.routing.labelled.redraw`` (seeded shuffle of the group's pool),
skipping every item of the ``--exclude`` files, so a development set never shares
a question with the test set. ``--check`` only reports whether the file already
holds exactly that draw. Comments and inline questions are left as they are.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from research.routing.labelled import load_label_file, redraw, resolve_data_dir

ITEMS_LINE = re.compile(r"^(\s+items: )\[.*\]$", re.MULTILINE)


@click.command()
@click.argument("labels", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--exclude", type=click.Path(exists=True, dir_okay=False, path_type=Path), multiple=True,
              help="A label file whose items must not be drawn (repeatable).")
@click.option("--check", is_flag=True, help="Report whether the file holds its draw; change nothing.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The shared datasets directory (default: $REASONER_DATA_DIR or ../shared/datasets).")
def cli(labels: Path, exclude: tuple[Path, ...], check: bool, data_dir: Path | None) -> None:
    data_dir = resolve_data_dir(data_dir)
    spec = load_label_file(labels)
    drawn = redraw(labels, data_dir, exclude)
    if check:
        differ = [group.name for group in spec.groups if group.items and group.items != drawn[group.name]]
        for group in spec.groups:
            if group.items:
                click.echo(f"{group.name:18} {len(group.items):3} items  {'differs' if group.name in differ else 'ok'}")
        sys.exit(1 if differ else 0)
    text = labels.read_text(encoding="utf-8")
    lines = iter(json.dumps(drawn[group.name]) for group in spec.groups if group.items)
    text, replaced = ITEMS_LINE.subn(lambda match: match.group(1) + next(lines), text)
    if replaced != len(drawn):
        raise click.ClickException(f"found {replaced} one-line 'items: [...]' entries for {len(drawn)} groups")
    labels.write_text(text, encoding="utf-8")
    click.echo(f"{labels}: {sum(len(items) for items in drawn.values())} items drawn with seed {spec.seed}")


if __name__ == "__main__":
    cli()
