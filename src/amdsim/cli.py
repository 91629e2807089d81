"""The ``amdsim`` command.

Every sub-command is a thin shell over the Python API; errors a person can act on are printed
as one message (no traceback) with exit status 2 for bad input and 1 for other failures.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from amdsim.core.errors import AmdsimError

__all__ = ["main"]

DEFAULT_SCENARIO = "preset:default"


def _cmd_run(args: argparse.Namespace) -> int:
    from amdsim.io.outputs import run_to_dir
    from amdsim.io.terminal import print_summary

    scenario = args.scenario or DEFAULT_SCENARIO
    out = (
        Path(args.output)
        if args.output
        else Path("out") / Path(scenario.replace("preset:", "")).stem
    )
    result = run_to_dir(scenario, out, seed=args.seed, progress=not args.quiet, check=args.check)
    if not args.quiet:
        print_summary(result.summary)
    print(f"results written to {out}/")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from amdsim.scenario import validate_file

    print(validate_file(args.scenario))
    return 0


def _cmd_presets(args: argparse.Namespace) -> int:
    from amdsim.scenario import list_presets

    for name, description in list_presets():
        print(f"{name:<24} {description}")
    return 0


def _cmd_track(args: argparse.Namespace) -> int:
    from amdsim.tracking.interchange import track_detections, write_tracks_csv

    table = track_detections(
        args.detections,
        sigma_m=args.sigma_m,
        model=args.model,
        pd=args.pd,
        clutter_density=args.clutter_density,
    )
    write_tracks_csv(args.output, table)
    print(f"tracks written to {args.output}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from amdsim.io.report import rebuild_report

    path = rebuild_report(args.dir)
    print(f"report written to {path}")
    return 0


def _cmd_view(args: argparse.Namespace) -> int:
    from amdsim.viewer.server import serve_forever

    serve_forever(args.dir, host=args.host, port=args.port, allow_remote=args.allow_remote)
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from amdsim.io.czml import write_czml

    if not args.czml:
        raise AmdsimError("choose an export format: --czml")
    out = Path(args.output) if args.output else Path(args.dir) / "run.czml"
    write_czml(args.dir, out)
    print(f"CZML written to {out}")
    return 0


def _cmd_validate_model(args: argparse.Namespace) -> int:
    from amdsim.analysis.validation import validate_model_command

    return int(validate_model_command(args))


def _study_kw(args: argparse.Namespace) -> dict[str, Any]:
    return {"workers": args.workers, "cluster": args.cluster, "seed": args.seed}


def _cmd_mc(args: argparse.Namespace) -> int:
    from amdsim.analysis.montecarlo import monte_carlo
    from amdsim.io.report import write_mc_report

    study = monte_carlo(args.scenario, args.n, out_dir=args.output, **_study_kw(args))
    for line in study.lines():
        print(line)
    print(f"report written to {write_mc_report(args.output)}")
    return 0 if not study.failures else 1


def _cmd_compare(args: argparse.Namespace) -> int:
    from amdsim.analysis.compare import compare, compare_variants, load_variants
    from amdsim.io.report import write_compare_report

    if args.variants:
        if args.scenarios:
            raise AmdsimError("give either two scenario files or --variants FILE, not both")
        results = compare_variants(
            *load_variants(args.variants), args.n, out_dir=args.output, **_study_kw(args)
        )
        for name, comparison in results.items():
            print(f"== {name}")
            for line in comparison.lines:
                print(line)
    else:
        if len(args.scenarios) != 2:
            raise AmdsimError("compare needs two scenario files (A and B), or --variants FILE")
        a, b = args.scenarios
        labels = (Path(a.replace("preset:", "")).stem, Path(b.replace("preset:", "")).stem)
        if labels[0] == labels[1]:
            labels = ("A", "B")
        comparison = compare(a, b, args.n, out_dir=args.output, labels=labels, **_study_kw(args))
        for line in comparison.lines:
            print(line)
        print(f"report written to {write_compare_report(args.output)}")
    return 0


def _cmd_campaign(args: argparse.Namespace) -> int:
    from amdsim.analysis.campaign import campaign
    from amdsim.analysis.campaign_check import cross_check_scenario
    from amdsim.io.report import write_campaign_report

    if args.check:
        res = cross_check_scenario(args.spec, args.n, out_dir=args.output, **_study_kw(args))
        for metric, row in sorted((k, v) for k, v in res.items() if isinstance(v, dict)):
            verdict = "agree" if row.get("agree") else "DIFFER"
            print(
                f"{metric}: full {row.get('full_mean')}, fast {row.get('fast_mean')} -> {verdict}"
            )
        return 0 if res.get("agree", True) else 1
    result = campaign(args.spec, args.n, out_dir=args.output, mode=args.mode, **_study_kw(args))
    summ = result.summary
    tl = summ["total_leakers"]
    print(
        f"{summ['mode']} mode, {summ['replications']} replications x {summ['days']} days: "
        f"leakers {tl['mean']:.4g} (95% CI {tl['ci_low']:.4g} to {tl['ci_high']:.4g})"
        + (f", {summ['engine_runs']} engine runs" if "engine_runs" in summ else "")
    )
    for f in summ.get("failures", []):
        print(f"replication {f['replication']} failed (seed {f['seed']}): {f['error']}")
    print(f"report written to {write_campaign_report(args.output)}")
    return 0 if not summ.get("failures") else 1


def _cmd_site(args: argparse.Namespace) -> int:
    from amdsim.analysis.siting_study import run_siting
    from amdsim.io.report import write_siting_report

    res = run_siting(args.spec, out_dir=args.output, n=args.n, **_study_kw(args))
    for p in res.get("placements", []):
        print(p)
    print(f"report written to {write_siting_report(args.output)}")
    return 0


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    from amdsim.analysis.sensitivity import Parameter, sensitivity

    params = [Parameter.parse(p) for p in args.param]
    res = sensitivity(
        args.scenario, params, args.n, metric=args.metric, out_dir=args.output, **_study_kw(args)
    )
    for row in getattr(res, "rows", []):
        print(row)
    print(f"results written to {args.output}/sensitivity.json")
    return 0


def _add_study_options(p: argparse.ArgumentParser, n_default: int) -> None:
    p.add_argument("-n", type=int, default=n_default, help="replications")
    p.add_argument(
        "-o", "--output", required=True, help="study folder (resumes if it holds a study)"
    )
    p.add_argument(
        "--workers", type=int, default=None, help="local worker processes (default: all cores)"
    )
    p.add_argument("--cluster", default=None, help="Dask scheduler address tcp://HOST:PORT")
    p.add_argument("--seed", type=int, default=0, help="study seed")


def _add_analysis_commands(sub: Any) -> None:
    mc = sub.add_parser("mc", help="Monte Carlo study: N replications, aggregates with 95%% CIs")
    mc.add_argument("scenario")
    _add_study_options(mc, 100)
    mc.set_defaults(func=_cmd_mc)

    cp = sub.add_parser("compare", help="paired what-if comparison with common random numbers")
    cp.add_argument("scenarios", nargs="*", help="A.yaml B.yaml")
    cp.add_argument("--variants", default=None, help="a variants file instead of two scenarios")
    _add_study_options(cp, 100)
    cp.set_defaults(func=_cmd_compare)

    ca = sub.add_parser("campaign", help="multi-day stockpile campaign (fast or full mode)")
    ca.add_argument("spec", help="campaign spec YAML (or a scenario with --check)")
    ca.add_argument(
        "--check", action="store_true", help="cross-check fast mode against the full simulation"
    )
    ca.add_argument(
        "--mode",
        choices=("fast", "full"),
        default=None,
        help="engagement tables (fast) or the engine every day (full); default: the spec's mode",
    )
    _add_study_options(ca, 200)
    ca.set_defaults(func=_cmd_campaign)

    si = sub.add_parser("site", help="battery siting: coverage MILP, then Monte Carlo verification")
    si.add_argument("spec", help="siting spec YAML")
    _add_study_options(si, 0)
    si.set_defaults(func=_cmd_site)

    se = sub.add_parser("sensitivity", help="one-at-a-time parameter sweep (tornado data)")
    se.add_argument("scenario")
    se.add_argument(
        "-p", "--param", action="append", required=True, help="catalog.path=LOW:HIGH (repeatable)"
    )
    se.add_argument("-m", "--metric", default="leakers")
    _add_study_options(se, 20)
    se.set_defaults(func=_cmd_sensitivity)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="amdsim", description="Simulate and plan layered air and missile defence."
    )
    p.add_argument("--version", action="version", version=f"amdsim {_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    r = sub.add_parser("run", help="run one scenario and write its results folder")
    r.add_argument(
        "scenario", nargs="?", help="scenario YAML or preset:NAME (default: the built-in default)"
    )
    r.add_argument("-o", "--output", help="results folder (default: out/<scenario name>)")
    r.add_argument(
        "--seed", type=int, default=None, help="random seed (default: the scenario's, else 0)"
    )
    r.add_argument("--check", action="store_true", help="check numerical invariants every step")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary table")
    r.set_defaults(func=_cmd_run)

    v = sub.add_parser("validate", help="check a scenario file without running it")
    v.add_argument("scenario")
    v.set_defaults(func=_cmd_validate)

    ps = sub.add_parser("presets", help="list the built-in scenario presets")
    ps.set_defaults(func=_cmd_presets)

    t = sub.add_parser("track", help="run the tracker on an external detections CSV")
    t.add_argument("detections", help="CSV with t_s,x_m,y_m,z_m[,sensor][,sigma_m]")
    t.add_argument("-o", "--output", required=True, help="tracks CSV to write")
    t.add_argument(
        "--sigma-m",
        type=float,
        default=None,
        help="measurement noise (m) if the CSV has no sigma_m",
    )
    t.add_argument("--model", choices=["cv", "ca", "ballistic", "imm"], default="cv")
    t.add_argument("--pd", type=float, default=0.9, help="detection probability")
    t.add_argument(
        "--clutter-density", type=float, default=1e-12, help="false alarms per m^3 per scan"
    )
    t.set_defaults(func=_cmd_track)

    rep = sub.add_parser("report", help="rebuild report.html of a results folder")
    rep.add_argument("dir")
    rep.set_defaults(func=_cmd_report)

    vw = sub.add_parser("view", help="replay a run in the browser (serves on 127.0.0.1)")
    vw.add_argument("dir")
    vw.add_argument("--host", default="127.0.0.1")
    vw.add_argument("--port", type=int, default=0, help="0 = a free port")
    vw.add_argument(
        "--allow-remote", action="store_true", help="allow binding a non-loopback address"
    )
    vw.set_defaults(func=_cmd_view)

    ex = sub.add_parser("export", help="export a run for other tools")
    ex.add_argument("dir")
    ex.add_argument("--czml", action="store_true", help="write CZML (Cesium)")
    ex.add_argument("-o", "--output", help="output file")
    ex.set_defaults(func=_cmd_export)

    vm = sub.add_parser(
        "validate-model",
        help="compare the model with public figures; writes validation.md and plots",
    )
    vm.add_argument("-o", "--output", default="out/validation", help="output folder")
    vm.add_argument("--quick", action="store_true", help="short preset runs (about a minute)")
    vm.add_argument(
        "--docs", default=None, help="also write the report to this path (e.g. docs/validation.md)"
    )
    vm.add_argument("--seed", type=int, default=1)
    vm.set_defaults(func=_cmd_validate_model)

    _add_analysis_commands(sub)
    return p


def _version() -> str:
    from amdsim import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except AmdsimError as exc:
        print(f"amdsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("amdsim: interrupted; no partial results were written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
