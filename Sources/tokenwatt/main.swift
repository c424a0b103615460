import Foundation
import KernelPower
import TokenWatt

/// Exit codes: 0 success, 1 a failed model or run, 64 a usage error (sysexits EX_USAGE).
enum ExitCode: Int32 {
    case success = 0
    case failure = 1
    case usage = 64
}

/// A command: its name, one-line summary, usage, and the function that runs it.
struct Command: Sendable {
    let name: String
    let summary: String
    let usage: String
    let run: @Sendable ([String]) throws -> ExitCode
}

enum CLI {
    static let commands: [Command] = [
    Command(name: "fleet", summary: "Wh per query, GWh per day, GPUs and MW of a workload's scenarios (the main job)",
            usage: FleetCommand.usage, run: FleetCommand.run),
    Command(name: "report", summary: "publishable reports of workloads: Markdown, HTML with charts, CSV, JSON (carbon, water, embodied)",
            usage: ReportCommand.usage, run: ReportCommand.run),
    Command(name: "predict", summary: "score a CSV table of configurations (forward passes, decode steps, serving)",
            usage: PredictCommand.usage, run: PredictCommand.run),
    Command(name: "estimate", summary: "Wh per query of one deployment at steady state, as a receipt",
            usage: EstimateCommand.usage, run: EstimateCommand.run),
    Command(name: "power", summary: "quick power, cooling, PSU and annual energy of a deployment from a parameter count or model id",
            usage: PowerCommand.usage, run: PowerCommand.run),
    Command(name: "tune", summary: "the power cap or locked clock that minimises energy per query under latency targets",
            usage: TuneCommand.usage, run: TuneCommand.run),
    Command(name: "capacity", summary: "queries a site's power budget can serve, per candidate GPU and power cap",
            usage: CapacityCommand.usage, run: CapacityCommand.run),
    Command(name: "sweep", summary: "every point of a design grid (GPU, count, parallelism, precision, batch, cap) and its Pareto frontier",
            usage: SweepCommand.usage, run: SweepCommand.run),
    Command(name: "diagnose", summary: "where a configuration's energy goes, and why nearby configurations cost more or less",
            usage: DiagnoseCommand.usage, run: DiagnoseCommand.run),
    Command(name: "kernels", summary: "the kernel list of one pass: each kernel's time, bound, watts and duty cycles",
            usage: KernelsCommand.usage, run: KernelsCommand.run),
    Command(name: "trace", summary: "price every request of a log (Azure, Mooncake, any CSV) at the load it arrived into",
            usage: TraceCommand.usage, run: TraceCommand.run),
    Command(name: "export-sql", summary: "one SQL statement that adds the Wh of every request to a warehouse table",
            usage: ExportSQLCommand.usage, run: ExportSQLCommand.run),
    Command(name: "validate", summary: "compare the estimator with the measurements in ../shared/data",
            usage: ValidateCommand.usage, run: ValidateCommand.run),
    Command(name: "calibrate", summary: "fit power coefficients and time-model efficiencies on measurements",
            usage: CalibrateCommand.usage, run: CalibrateCommand.run),
    Command(name: "gpus", summary: "list the GPU catalog", usage: ListCommand.gpuUsage, run: ListCommand.gpus),
    Command(name: "models", summary: "list the model catalog", usage: ListCommand.modelUsage, run: ListCommand.models),
    Command(name: "regions", summary: "list the grid and cloud regions: carbon factors, residual mixes, water, each with basis and source",
            usage: ListCommand.regionUsage, run: ListCommand.regions),
    Command(name: "facilities", summary: "list operators' PUE and WUE, embodied footprints, lifetimes and node host power, with sources",
            usage: ListCommand.facilityUsage, run: ListCommand.facilities),
    Command(name: "bench", summary: "measure the tool's own speed on this machine", usage: BenchCommand.usage, run: BenchCommand.run),
    Command(name: "version", summary: "the tool's version and a fingerprint of its bundled catalogs (also --version)",
            usage: versionUsage, run: version),
    ]

    static let versionUsage = """
    tokenwatt version | tokenwatt --version
      Prints the tool's version and the FNV-1a 64 fingerprint of its bundled catalogs and tables (the JSON
      resource files), which changes whenever one of them does: quote both with a figure to say what printed it.
    """

    static func version(_ argv: [String]) throws -> ExitCode {
        _ = try Arguments(argv, valued: [], boolean: []).requirePositional(0, usage: versionUsage)
        Output.write(ToolVersion.line + "\n")
        return .success
    }
}

func helpText() -> String {
    var s = "tokenwatt — per-query inference energy accountant\n\nUSAGE: tokenwatt <command> [options]\n\nCOMMANDS:\n"
    for c in CLI.commands { s += "  " + c.name.padding(toLength: 11, withPad: " ", startingAt: 0) + c.summary + "\n" }
    s += "\nRun `tokenwatt help <command>` for a command's options.\n"
    return s
}

func main() -> ExitCode {
    var args = Array(CommandLine.arguments.dropFirst())
    guard let first = args.first else {
        _ = Output.writeAll(STDERR_FILENO, helpText())
        return .usage
    }
    args.removeFirst()
    // `--version` printed "unknown command"; it is the `version` command's other spelling.
    let name = first == "--version" ? "version" : first
    if name == "help" || name == "--help" || name == "-h" {
        if let sub = args.first, let c = CLI.commands.first(where: { $0.name == sub }) {
            Output.write("USAGE: \(c.usage)\n")
        } else if let sub = args.first {
            // `help flet` printed the general help with exit 0, as if flet were a topic.
            let near = Suggestions.closest(to: sub, among: CLI.commands.map(\.name), limit: 1)
            Output.error("unknown command '\(sub)'" + (near.isEmpty ? "" : " (did you mean '\(near[0])'?)") + "; run `tokenwatt help`")
            return .usage
        } else {
            Output.write(helpText())
        }
        return .success
    }
    guard let command = CLI.commands.first(where: { $0.name == name }) else {
        let near = Suggestions.closest(to: name, among: CLI.commands.map(\.name), limit: 1)
        Output.error("unknown command '\(name)'" + (near.isEmpty ? "" : " (did you mean '\(near[0])'?)") + "; run `tokenwatt help`")
        return .usage
    }
    // Help and version go through the checked write too: `version > /dev/full` exited 0 with nothing written.
    if args.contains("--help") || args.contains("-h") {
        Output.write("USAGE: \(command.usage)\n")
        return .success
    }
    let code = run(command, args)
    // A failed run leaves no empty folder it made for outputs it never wrote.
    if code != .success { Output.removeMadeFolders() }
    return code
}

/// Runs `command`, turning its error into a message on stderr and an exit code.
func run(_ command: Command, _ args: [String]) -> ExitCode {
    do {
        return try command.run(args)
    } catch let e as UsageError {
        return usageError(e, command)
    } catch let e as DeploymentError {
        if let flagged = flagError(e, args) { return usageError(flagged, command) }
        Output.error("\(e)")
        return .failure
    } catch {
        Output.error("\(error)")
        return .failure
    }
}

func usageError(_ e: UsageError, _ command: Command) -> ExitCode {
    Output.error(e.description + "\nusage: \(command.usage.components(separatedBy: "\n")[0])")
    return .usage
}

/// A power cap or clock outside the GPU's range, where the command line gave it, as the usage
/// error that names the flag: only the deployment knows the GPU's range, so it had exited 1 with
/// no flag named, where a cap of 0 (outside every GPU's range) exited 64 naming `--power-cap-w`.
/// A parallel layout the flags give is refused as a usage error where the commands that read
/// them build the deployment (`EstimateCommand.parallelismFlagged`), not here: `capacity`'s
/// `--gpus` is a list of GPU ids, and a workload's layout is the file's error.
func flagError(_ e: DeploymentError, _ args: [String]) -> UsageError? {
    let (flag, value): (String, Double)
    switch e {
    case let .powerCapOutOfRange(_, watts, _): (flag, value) = ("--power-cap-w", watts)
    case let .clockOutOfRange(_, megahertz, _): (flag, value) = ("--sm-clock-mhz", megahertz)
    // A framework the model's layers have no planner under, as the flag that chose it.
    case let .unsupportedFramework(framework, _, _):
        guard args.contains(where: { $0 == "--framework" || $0.hasPrefix("--framework=") }) else { return nil }
        return UsageError(description: "--framework \(framework): \(e)")
    default: return nil
    }
    guard args.contains(where: { $0 == flag || $0.hasPrefix(flag + "=") }) else { return nil }
    return UsageError(description: "\(flag) \(formatNumber(value)): \(e)")
}

TemporaryFiles.removeOnSignal()
exit(main().rawValue)
