import Foundation
import KernelPower
import TokenWatt

/// A usage error: the command line itself is wrong (exit 64).
struct UsageError: Error, CustomStringConvertible {
    let description: String
}

/// Minimal, strict command-line parsing: `--name value`, `--name=value`, boolean `--flag`, and
/// positional arguments. Unknown options are errors with a suggestion.
struct Arguments {
    private(set) var positional: [String] = []
    private var options: [String: String] = [:]
    private var flags: Set<String> = []
    private var consumed: Set<String> = []

    /// - Parameters:
    ///   - valued: options that take a value.
    ///   - boolean: options that take none.
    init(_ args: [String], valued: Set<String>, boolean: Set<String>) throws {
        var i = 0
        while i < args.count {
            let a = args[i]
            if a.hasPrefix("--") || (a.hasPrefix("-") && a.count == 2 && a != "-") {
                var name = a.hasPrefix("--") ? String(a.dropFirst(2)) : String(a.dropFirst())
                var value: String?
                if let eq = name.firstIndex(of: "=") {
                    value = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                if boolean.contains(name) {
                    if value != nil { throw UsageError(description: "option \(Self.dashed(name)) takes no value") }
                    flags.insert(name)
                } else if valued.contains(name) {
                    if value == nil {
                        i += 1
                        guard i < args.count else { throw UsageError(description: "option \(Self.dashed(name)) needs a value") }
                        value = args[i]
                        // `--model --gpu h100-sxm` took "--gpu" as the model and then blamed
                        // "h100-sxm"; a value is never one of the command's own options.
                        let next = args[i].hasPrefix("--") ? String(args[i].dropFirst(2).prefix { $0 != "=" }) : ""
                        if valued.contains(next) || boolean.contains(next) {
                            throw UsageError(description: "option \(Self.dashed(name)) needs a value (got the option \(args[i]))")
                        }
                    }
                    if options[name] != nil { throw UsageError(description: "option \(Self.dashed(name)) given twice") }
                    if let what = Self.pathKind(name, valued: valued), value?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty == true {
                        throw UsageError(description: "\(Self.dashed(name)): expected \(what), got an empty string")
                    }
                    options[name] = value
                } else {
                    throw UsageError(description: "unknown option \(a)" + Self.hint(for: name, known: valued.union(boolean)))
                }
            } else {
                positional.append(a)
            }
            i += 1
        }
    }

    /// The "did you mean" for an unknown option. A one-letter name is within two edits of every
    /// short option (`-o` came out as "did you mean --ep?"), so it gets only a known option with
    /// that letter, or for `-o` the way to a file, which commands without `-o` write to stdout.
    static func hint(for name: String, known: Set<String>) -> String {
        guard name.count == 1 else {
            let near = Suggestions.closest(to: name, among: Array(known), limit: 1)
            return near.isEmpty ? "" : " (did you mean --\(near[0])?)"
        }
        if name == "o" { return " (this command writes to standard output; redirect it with > FILE)" }
        let same = known.filter { $0.count == 1 && $0.lowercased() == name.lowercased() }
        return same.first.map { " (did you mean -\($0)?)" } ?? ""
    }

    /// The options whose value is a path, with what kind of path. An empty one is refused up
    /// front: `report W.json -o ""` wrote its five files into / ("wrote /chat-service.md", exit 0)
    /// and `validate --quick -o ""` 19, since "" + "/" + name is an absolute path; `power --spec ""`,
    /// `trace --per-request ""` and `sweep -o ""` failed only at the rename, with
    /// "error: : could not be renamed into place (errno 2)", naming no flag. A value of blanks
    /// is refused too: a file named "  " is a typing slip, not a destination.
    static let pathOptions: [String: String] = [
        "o": "a path", "data-dir": "a folder path", "workloads": "a folder path",
        "calibration": "a file path", "model-catalog": "a file path", "gpu-catalog": "a file path", "svg": "a file path",
        "spec": "a file path", "per-request": "a file path", "hourly": "a file path", "bands-out": "a file path",
        "refits-out": "a file path", "manifest": "a file path", "power-log": "a file path", "zeus": "a file path",
        "from-hf": "a file or folder path",
    ]

    /// What kind of path option `name` takes, nil for an option that is not a path: `--output`
    /// is `-o`'s long spelling only where `-o` exists (`power --output` is a token count).
    static func pathKind(_ name: String, valued: Set<String>) -> String? {
        if name == "output" { return valued.contains("o") ? pathOptions["o"] : nil }
        return pathOptions[name]
    }

    /// An option as it is typed: `-o`, `--output`.
    static func dashed(_ name: String) -> String { name.count == 1 ? "-\(name)" : "--\(name)" }

    func flag(_ name: String) -> Bool { flags.contains(name) }

    /// `-o FILE` or `--output FILE`: two spellings of one option, so both at once is the option
    /// given twice (`-o a --output b` wrote a and dropped b without a word).
    func outputPath() throws -> String? {
        if let short = options["o"], let long = options["output"] {
            throw UsageError(description: "option -o given twice (-o \(short) and --output \(long) are the same option); give one")
        }
        return options["o"] ?? options["output"]
    }

    func string(_ name: String) -> String? { options[name] }

    func int(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
        guard let v = options[name] else { return nil }
        guard let i = Int(v), range.contains(i) else {
            throw UsageError(description: "--\(name) \(v): expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return i
    }

    func double(_ name: String, _ range: ClosedRange<Double>) throws -> Double? {
        guard let v = options[name] else { return nil }
        guard let x = Double(decimal: v), range.contains(x) else {
            throw UsageError(description: "--\(name) \(v): expected a number from \(formatNumber(range.lowerBound)) to \(formatNumber(range.upperBound))")
        }
        return x
    }

    /// `--pue X`, in the range the ledger takes, refused as a usage error whichever side it
    /// misses: 0.5 was one and 1e30 a ledger failure (exit 1) with another message.
    func pue() throws -> Double? {
        guard let v = options["pue"] else { return nil }
        let range = LedgerSettings.pueRange
        guard let x = Double(decimal: v), range.contains(x) else {
            throw UsageError(description: "--pue \(v): expected a PUE from \(formatNumber(range.lowerBound)) to \(formatNumber(range.upperBound)) "
                             + "(facility power ÷ IT power; below 1 is impossible)")
        }
        return x
    }

    func choice<T: RawRepresentable & CaseIterable>(_ name: String, _: T.Type) throws -> T? where T.RawValue == String {
        guard let v = options[name] else { return nil }
        guard let t = T(rawValue: v.lowercased()) else {
            throw UsageError(description: "--\(name) \(v): expected one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return t
    }

    /// A precision flag: an unknown name lists only `offered` and suggests the nearest ("fp4":
    /// nvfp4 or mxfp4); a known one outside them is left for the deployment to refuse with its reason
    /// (`--kv-precision int8` says no engine caches INT8).
    func precision(_ name: String, offered: [Precision] = Precision.allCases) throws -> Precision? {
        guard let v = options[name] else { return nil }
        guard let p = Precision(rawValue: v.lowercased()) else {
            let near = Precision.suggestions(for: v, among: offered).map { "'\($0)'" }
            throw UsageError(description: "--\(name) \(v): expected one of \(offered.map(\.rawValue).joined(separator: ", "))"
                             + (near.isEmpty ? "" : " (did you mean \(near.joined(separator: " or "))?)"))
        }
        return p
    }
}

/// Output formats a command may offer.
enum OutputFormat: String, CaseIterable {
    case text, json, csv, markdown
}

extension Arguments {
    /// Reads `--format`, restricted to what the command offers.
    func format(_ allowed: [OutputFormat], default d: OutputFormat) throws -> OutputFormat {
        guard let v = string("format") else { return d }
        guard let f = OutputFormat(rawValue: v), allowed.contains(f) else {
            throw UsageError(description: "--format \(v): this command writes \(allowed.map(\.rawValue).joined(separator: ", "))")
        }
        return f
    }

    /// Exactly `n` positional arguments. The message names the argument alone: the caller's
    /// usage error adds the usage line (`usageError`), and the whole usage had been printed before it,
    /// twice over (`estimate Qwen/Qwen3-235B-A22B`).
    func requirePositional(_ n: Int, usage: String) throws -> [String] {
        guard positional.count == n else {
            throw UsageError(description: positional.count < n ? "missing argument" : "unexpected argument '\(positional[n])'")
        }
        return positional
    }
}
