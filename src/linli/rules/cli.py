"""The `linli anomaly` commands: score a series with the learned detector, run NAB."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from linli.rules import detectors, nab

anomaly_app = typer.Typer(help="Learned anomaly detection on time series.", no_args_is_help=True)


@anomaly_app.command("score")
def score(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="timestamp,value CSV.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Where to write (default: stdout).")
    ] = None,
) -> None:
    """Write each point's anomaly score in the NAB results layout."""
    try:
        timestamps, values = nab.read_series(file)
    except ValueError as err:
        typer.echo(f"cannot read {file}: {err}", err=True)
        raise typer.Exit(1) from err
    scores = detectors.score_series(timestamps, values)
    lines = ["timestamp,value,anomaly_score"]
    lines += [
        f"{ts:%Y-%m-%d %H:%M:%S},{value!r},{s:.6g}"
        for ts, value, s in zip(timestamps, values, scores, strict=True)
    ]
    text = "\n".join(lines) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)
        typer.echo(f"{len(scores)} points scored -> {output}", err=True)


@anomaly_app.command("nab")
def benchmark(
    folder: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="NAB folder.")],
) -> None:
    """Score the learned detector on a NAB corpus (data/ and labels/) and print the results."""
    corpus = nab.load_corpus(folder)
    scores = {s.name: detectors.score_series(s.timestamps, s.values) for s in corpus}
    for name, result in nab.score_corpus(corpus, scores).items():
        typer.echo(f"{name}: {result.score:.1f} (threshold {result.threshold:.4g})")
        for category, value in result.category_scores.items():
            tally = result.categories[category]
            shown = "no windows" if value is None else f"{value:.1f}"
            typer.echo(f"  {category}: {shown}, false positives {tally.false_positives}")
