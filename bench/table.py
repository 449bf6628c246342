"""The targets of a ``bench.run_all`` JSON document as a Markdown table (for bench/README.md).

python -m bench.run_all --out /tmp/full.json && python -m bench.table /tmp/full.json
"""

from __future__ import annotations

import json
import sys


def _figure(row: dict) -> str:
    figure, unit = row.get("figure"), row.get("unit") or ""
    if figure is None:
        return "—"
    if isinstance(figure, float):
        figure = f"{figure:,.1f}" if abs(figure) >= 10 else f"{figure:.2f}"
    elif isinstance(figure, int):
        figure = f"{figure:,}"
    return f"{figure} {unit}".strip()


def table(document: dict) -> str:
    lines = ["| Target | Figure | Limit | Met | Ratio | Note |", "|---|---|---|---|---|---|"]
    for row in document.get("targets", []):
        limit = row.get("limit")
        met = {True: "yes", False: "**no**", None: ""}[row.get("met")]
        ratio = row.get("ratio")
        lines.append(
            "| {} | {} | {} | {} | {} | {} |".format(
                row["target"],
                _figure(row),
                "" if limit is None else f"{limit:,} {row.get('unit') or ''}".strip(),
                met,
                "" if ratio is None else ratio,
                (row.get("note") or "").replace("|", "/"),
            )
        )
    machine = document.get("machine", {})
    lines.append("")
    lines.append(
        f"Machine: {machine.get('cpus')} cores, Python {machine.get('python')}, "
        f"{machine.get('database')}, Redis {machine.get('redis')}; load average "
        f"{machine.get('load_average_start')} → {machine.get('load_average_end')}; "
        f"{machine.get('wall_seconds')} s. lost: {document.get('lost')}, "
        f"crashed: {document.get('crashed')}."
    )
    runs = document.get("runs") or {}
    if runs:
        # The machine is shared: each run's own load average, to read its latencies with.
        lines.append("")
        lines.append("| Run | Command | Wall s | Load average after (1 min) |")
        lines.append("|---|---|---|---|")
        for name, run in runs.items():
            lines.append(
                f"| {name} | `{run.get('command', '')}` | {run.get('wall_seconds', '')} | "
                f"{run.get('load_average_1m_after', '')} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit(__doc__)
    with open(args[0], encoding="utf-8") as handle:
        print(table(json.load(handle)))


if __name__ == "__main__":
    main()
