import Foundation
import Testing

/// The planning section's sentences quote `tune`, `power` and `trace` runs, held to what those
/// commands print today. A 2026-12-07 probe found them a refit behind: tune's GPU-boundary pick
/// 109.4 J and 0.09834 Wh beside 109.2 and 0.09821, power's 3577 W and 48260 kWh beside 3576 and
/// 48240, trace's two replicas 9,229 Wh (range 8,001–12,303) beside 9,230 (7,940–12,468), and the
/// tune excerpt's lines no longer printed (no `$` prompt, so the README block test skipped it).
extension CLITests {
    /// README as one line: a sentence broken over lines (and list indentation) reads as one.
    static func readmeProse() throws -> String {
        let raw = try String(contentsOf: Self.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        return raw.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The capture groups of the first match of `pattern` in `text`.
    static func captures(_ pattern: String, in text: String) throws -> [String] {
        let regex = try NSRegularExpression(pattern: pattern)
        let match = try #require(regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), "no match for \(pattern)")
        return (1..<match.numberOfRanges).compactMap { Range(match.range(at: $0), in: text).map { String(text[$0]) } }
    }

    /// The README's figure is the printed one rounded to the README's decimals ("919" for 918.6).
    static func rounds(_ readme: String, _ printed: Double) -> Bool {
        let shown = readme.replacingOccurrences(of: ",", with: "")
        guard let a = Double(shown) else { return false }
        let decimals = shown.split(separator: ".").dropFirst().first?.count ?? 0
        return abs(a - printed) <= 0.5 * pow(10, -Double(decimals)) + 1e-9
    }

    static let tune70B = ["tune", "--model", "meta-llama/Llama-3.1-70B-Instruct", "--gpu", "h100-sxm", "--gpus", "4",
                          "--batch", "64", "--input", "1000", "--output", "500"]

    /// The indented excerpt under "Llama-3.1-70B on 4 × H100, batch 64, 1000 + 500 tokens, TTFT ≤ 500
    /// ms, ITL ≤ 40 ms": every line of it is a line `tune` prints for those flags.
    @Test(.enabled(if: hasSharedData)) func tuneExcerptIsWhatTunePrints() throws {
        let lines = try String(contentsOf: Self.packageRoot.appendingPathComponent("README.md"), encoding: .utf8).components(separatedBy: "\n")
        let start = try #require(lines.firstIndex(of: "  4 × H100, batch 64, 1000 + 500 tokens, TTFT ≤ 500 ms, ITL ≤ 40 ms:"), "the excerpt is gone")
        let excerpt = lines[(start + 2)...].prefix { $0 != "  ```" }.map { String($0.dropFirst(2)) }
        try #require(lines[start + 1] == "  ```" && excerpt.count >= 4, "the excerpt is not a fenced block")
        let r = try Self.run(Self.tune70B + ["--ttft-ms", "500", "--itl-ms", "40"])
        let printed = r.stdout.components(separatedBy: "\n")
        let stale = excerpt.filter { !printed.contains($0) }
        #expect(r.status == 0 && stale.isEmpty, "tune no longer prints:\n\(stale.joined(separator: "\n"))")
    }

    @Test(.enabled(if: hasSharedData)) func tuneFiguresInProseAreWhatTunePrints() throws {
        let text = try Self.readmeProse()
        let gpu = try Self.captures(#"At the GPUs alone \(`--boundary gpu`\) prefill would take cap ([0-9.]+) W \(([0-9.]+) J, saves ([0-9.]+) %\) and the query ([0-9]+) MHz at ([0-9.]+) Wh \(saves ([0-9.]+) %\)"#, in: text)
        let atGPUs = try Self.run(Self.tune70B + ["--ttft-ms", "500", "--itl-ms", "40", "--boundary", "gpu"]).stdout
        #expect(atGPUs.contains("prefill: cap \(gpu[0]) W — \(gpu[1]) J per query at the GPUs (saves \(gpu[2]) %)"), "README \(gpu); tune --boundary gpu:\n\(atGPUs)")
        #expect(atGPUs.contains("one setting for both: clock \(gpu[3]) MHz — \(gpu[4]) Wh per query at the GPUs (saves \(gpu[5]) %)"), "README \(gpu)")

        // Without targets: the 600 MHz row and the default's, Wh at the GPUs and at the facility.
        let free = try Self.captures(#"Without targets a 600 MHz lock saves ([0-9]+) % of the GPU energy \(([0-9.]+) against ([0-9.]+) Wh\) but costs more at the facility than the default \(([0-9.]+) against ([0-9.]+) Wh\)"#, in: text)
        let rows = try Self.run(Self.tune70B).stdout.components(separatedBy: "\n")
        func whs(_ label: String) throws -> (gpu: String, facility: String) {
            let cells = try #require(rows.first { $0.hasPrefix(label) }, "tune has no row \(label)").split(separator: " ").map(String.init)
            return (cells[cells.count - 3], cells[cells.count - 2])
        }
        let lock = try whs("clock 600 MHz "), base = try whs("default (TDP, boost clock) ")
        #expect([free[1], free[2], free[3], free[4]] == [lock.gpu, base.gpu, lock.facility, base.facility], "README \(free); tune \(lock) against \(base)")
        let saving = (1 - (Double(lock.gpu) ?? 0) / (Double(base.gpu) ?? 1)) * 100
        #expect(Self.rounds(free[0], saving), "README says \(free[0]) %; the rows give \(saving) %")

        let miss = try Self.captures(#"Llama-3\.3-70B on 4 × H200 with ITL ≤ 30 ms: "(cap [0-9.]+ W misses the ITL target: mean inter-token latency [0-9.]+ ms, [0-9.]+ ms \([0-9.]+ %\) over 30 ms)""#, in: text)[0]
        let h200 = try Self.run(["tune", "--model", "meta-llama/Llama-3.3-70B-Instruct", "--gpu", "h200", "--gpus", "4", "--batch", "64",
                                 "--input", "1000", "--output", "500", "--itl-ms", "30"]).stdout
        #expect(h200.contains(miss), "README quotes '\(miss)'; tune prints:\n\(h200.components(separatedBy: "\n").filter { $0.contains("misses") })")
    }

    @Test(.enabled(if: hasSharedData)) func powerRangeInProseIsWhatPowerPrints() throws {
        let q = try Self.captures(#"\(Llama-3\.1-70B on 4 × H100 at batch 64, 1000 \+ 200 tokens: ([0-9]+) W and ([0-9]+) kWh, range ([0-9]+)–([0-9]+) W and ([0-9]+)–([0-9]+) kWh, ([0-9]+) W a GPU held at 700 W; `estimate` gives the same query −([0-9]+) %/\+([0-9]+) %\)"#, in: try Self.readmeProse())
        let flags = ["--model", "meta-llama/Llama-3.1-70B-Instruct", "--gpu", "h100-sxm", "--gpus", "4", "--batch", "64", "--input", "1000", "--output", "200"]
        let power = try Self.run(["power"] + flags).stdout
        let wall = try Self.captures(#"at the wall +([0-9]+) W while serving"#, in: power)[0]
        let year = try Self.captures(#"a year +([0-9]+) kWh"#, in: power)[0]
        let range = try Self.captures(#"range +([0-9]+)–([0-9]+) W while serving, ([0-9]+)–([0-9]+) kWh a year"#, in: power)
        let high = try Self.captures(#"each GPU would draw ([0-9.]+) W, above its 700 W limit"#, in: power)[0]
        #expect(Array(q[0..<6]) == [wall, year] + range, "README \(q[0..<6]); power prints \([wall, year] + range)")
        #expect(Self.rounds(q[6], Double(high) ?? -1), "README \(q[6]) W a GPU; power \(high)")
        // The estimate's range at its reported (facility) boundary, against its figure.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try Self.run(["estimate"] + flags + ["--format", "json"]).stdout.utf8)) as? [String: Any])
        let wh = try #require((json["whPerQuery"] as? [String: Double])?["facility"])
        let band = try #require(json["range"] as? [String: Any])
        let low = try #require((band["whPerQueryLow"] as? [String: Double])?["facility"]), up = try #require((band["whPerQueryHigh"] as? [String: Double])?["facility"])
        #expect(Self.rounds(q[7], (1 - low / wh) * 100) && Self.rounds(q[8], (up / wh - 1) * 100), "README −\(q[7]) %/+\(q[8]) %; estimate \(low / wh - 1), \(up / wh - 1)")
    }

    /// The Azure 2023 conversation hour on two replicas: the mean per request, the total and its range.
    @Test(.enabled(if: hasSharedData)) func traceFiguresInProseAreWhatTracePrints() throws {
        let q = try Self.captures(#"two at ([0-9.]+) Wh \(([0-9,]+) Wh in all, range ([0-9,]+)–([0-9,]+) Wh\)"#, in: try Self.readmeProse())
            .map { $0.replacingOccurrences(of: ",", with: "") }
        let r = try Self.run(["trace", "../shared/data/request-length-traces/azure2023_conv.csv", "--model", "meta-llama/Llama-3.1-70B-Instruct",
                              "--gpu", "h100-sxm", "--gpus", "4", "--replicas", "2", "--format", "json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stderr)")
        let mean = try #require((json["whPerRequest"] as? [String: Double])?["mean"])
        let figures = try ["totalWh", "totalWhLow", "totalWhHigh"].map { try #require(json[$0] as? Double, "no \($0)") }
        #expect(Self.rounds(q[0], mean), "README \(q[0]) Wh a request; trace \(mean)")
        for (shown, value) in zip(q.dropFirst(), figures) { #expect(Self.rounds(shown, value), "README \(shown) Wh; trace \(value)") }
        let raw = try String(contentsOf: Self.packageRoot.appendingPathComponent("docs/methodology.md"), encoding: .utf8)
        let sorted = try Self.captures(#"both now cost the sorted log's ([0-9,]+) Wh to the last digit"#, in: raw.split(whereSeparator: \.isWhitespace).joined(separator: " "))[0]
        #expect(Self.rounds(sorted, figures[0]), "methodology §10 \(sorted) Wh; trace \(figures[0])")
    }
}

extension CLITests {
    /// The Azure code hour on 1,000 replicas: the total is the replicas' idle time whatever the
    /// window (1 s and 3,000 s), and what the 3,000 s window still owes when the log ends.
    @Test(.enabled(if: hasSharedData)) func traceWindowFiguresInProseAreWhatTracePrints() throws {
        let text = try Self.readmeProse()
        let total = try Self.captures(#"the Azure code hour on 1,000 replicas: ([0-9.]+) MWh from 1 s to 3,000 s;"#, in: text)[0]
        let owed = try Self.captures(#"the code hour on 1,000 replicas at a 3,000 s window owes \+([0-9.]+) %\)"#, in: text)[0]
        for window in ["1", "3000"] {
            let r = try Self.run(["trace", "../shared/data/request-length-traces/azure2023_code.csv", "--model", "meta-llama/Llama-3.1-70B-Instruct",
                                  "--gpu", "h100-sxm", "--gpus", "4", "--replicas", "1000", "--window-s", window, "--format", "json"])
            let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stderr)")
            let wh = try #require(json["totalWh"] as? Double), idle = try #require(json["owedIdleWh"] as? Double)
            #expect(Self.rounds(total, wh / 1e6), "README \(total) MWh; trace at a \(window) s window \(wh / 1e6)")
            if window == "3000" { #expect(Self.rounds(owed, idle / wh * 100), "README owes +\(owed) %; trace \(idle / wh * 100) %") }
        }
    }
}

extension CLITests {
    /// Methodology §6: a steady log of 0.5 query/s of 1000 + 1000 tokens replayed on one replica of
    /// Llama-3.1-70B on 4 H100 runs at a fractional batch, against `estimate --load 0.5`'s whole one.
    @Test(.enabled(if: hasSharedData)) func steadyLogExampleIsWhatTraceAndEstimatePrint() throws {
        let raw = try String(contentsOf: Self.packageRoot.appendingPathComponent("docs/methodology.md"), encoding: .utf8)
        let q = try Self.captures(#"\(0\.5 query/s: ([0-9.]+) sequences, ([0-9.]+) Wh of GPU energy against ([0-9.]+) at batch ([0-9]+)\)"#,
                                  in: raw.split(whereSeparator: \.isWhitespace).joined(separator: " "))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwatt-steady-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("steady.csv")
        try (["t,input,output"] + (0..<3000).map { "\($0 * 2),1000,1000" }).joined(separator: "\n").write(to: log, atomically: true, encoding: .utf8)
        let model = ["--model", "meta-llama/Llama-3.1-70B-Instruct", "--gpu", "h100-sxm", "--gpus", "4"]
        let r = try Self.run(["trace", log.path, "--time-column", "t", "--input-column", "input", "--output-column", "output", "--replicas", "1", "--format", "json"] + model)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stderr)")
        let gpuWh = try #require(json["gpuWh"] as? Double) / 3000
        let batch = try #require((json["hourly"] as? [[String: Any]])?.first?["meanBatch"] as? Double)
        #expect(Self.rounds(q[0], batch) && Self.rounds(q[1], gpuWh), "methodology \(q[0]) sequences, \(q[1]) Wh; trace \(batch), \(gpuWh)")
        let e = try #require(try JSONSerialization.jsonObject(with: Data(try Self.run(["estimate"] + model + ["--batch", "64", "--input", "1000", "--output", "1000",
                                                                                                          "--load", "0.5", "--format", "json"]).stdout.utf8)) as? [String: Any])
        let at = try #require(e["atLoad"] as? [String: Any])
        let wh = try #require((at["whPerQuery"] as? [String: Double])?["gpu"]), inFlight = try #require(at["sequencesInFlight"] as? Double)
        #expect(Self.rounds(q[2], wh) && q[3] == String(Int(inFlight)), "methodology \(q[2]) Wh at batch \(q[3]); estimate \(wh) at \(inFlight)")

        // §10 tells the same comparison: the replay's fractional batch against estimate's whole one.
        let text = raw.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let ladder = try Self.captures(#"now ([0-9.]+) at ([0-9.]+), between batch 10's [0-9.]+ and batch 11's\. That is not `estimate --load`, which prices the whole number of sequences at or above its Little's-law mean \(11 for a mean of ([0-9.]+): ([0-9.]+) Wh\)"#, in: text)
        let mean = try #require(at["meanSequencesInFlight"] as? Double)
        #expect(Self.rounds(ladder[0], gpuWh) && Self.rounds(ladder[1], batch) && Self.rounds(ladder[2], mean) && Self.rounds(ladder[3], wh),
                "methodology §10 \(ladder); trace \(gpuWh) at \(batch), estimate \(wh) at a mean of \(mean)")
        let above = try Self.captures(#"\(\+([0-9.]+) % at 0\.5 query/s, ([0-9.]+) % at the facility;"#, in: text)
        let facility = try #require(json["totalWh"] as? Double) / 3000, facilityAtLoad = try #require((at["whPerQuery"] as? [String: Double])?["facility"])
        #expect(Self.rounds(above[0], (gpuWh / wh - 1) * 100) && Self.rounds(above[1], (facility / facilityAtLoad - 1) * 100),
                "methodology §10 +\(above[0]) %, \(above[1]) %; trace against estimate \((gpuWh / wh - 1) * 100), \((facility / facilityAtLoad - 1) * 100)")
    }
}
