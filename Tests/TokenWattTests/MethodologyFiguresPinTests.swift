import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// docs/methodology.md's present-tense figures of the H100 time model and of the out-of-sample
/// check, held to the bundled files and `Reports/validation.md` at the precision they are printed
/// with. A 2026-12-07 review found them a refit behind: `decodeSequenceBytes` 1.97 MB beside the
/// file's 1.875, memory efficiency 0.80 beside 0.777, out-of-sample J/token 15.7 beside 15.3 %.
@Suite struct MethodologyFiguresPinTests {
    static func methodology() throws -> String { try ProseFiguresTests.text("docs/methodology.md") }

    static func json(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: packageRoot.appendingPathComponent(path))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(path) is not an object")
    }

    /// The h100-sxm entry of the bundled coefficients: its `timeModel` and its `fit`.
    static func h100() throws -> (time: [String: Double], fit: [String: Double]) {
        let gpus = try #require(try json("Sources/KernelPower/Resources/coefficients.json")["gpus"] as? [String: Any])
        let h100 = try #require(gpus["h100-sxm"] as? [String: Any])
        return (try #require(h100["timeModel"] as? [String: Double]), try #require(h100["fit"] as? [String: Double]))
    }

    /// The H100's paged bandwidth in bytes per second: its HBM bandwidth times the fitted memory efficiency.
    static func pagedBandwidth() throws -> Double {
        let gpus = try #require(try json("Sources/KernelPower/Resources/gpus.json")["gpus"] as? [[String: Any]])
        let h100 = try #require(gpus.first { $0["id"] as? String == "h100-sxm" })
        return try #require(h100["hbmBandwidthBytesPerSecond"] as? Double) * (try #require(try h100Time()["memoryEfficiency"]))
    }

    static func h100Time() throws -> [String: Double] { try h100().time }

    static func expectQuotes(_ shown: String, _ value: Double, _ what: String) {
        #expect(ReadmeFiguresTests.quotes(shown, String(value)), "methodology's \(what) says \(shown); the bundled figure is \(value)")
    }

    // MARK: - §3 and §5: the H100 time model

    @Test func decodeSequenceConstantsQuoteTheCoefficients() throws {
        let t = try Self.h100Time(), paged = try Self.pagedBandwidth()
        let quoted = try ProseFiguresTests.groups(#"The H100 fit gives a time \(([0-9.]+) µs per sequence per layer and ([0-9.]+) µs per query head\); it is kept as the bytes that take that time at the H100's paged bandwidth \(`decodeSequenceBytes` ([0-9.]+) MB, `decodeQueryHeadBytes` ([0-9.]+) kB"#, in: try Self.methodology())
        let sequence = try #require(t["decodeSequenceBytes"]), head = try #require(t["decodeQueryHeadBytes"])
        Self.expectQuotes(quoted[0], sequence / paged * 1e6, "µs per sequence")
        Self.expectQuotes(quoted[1], head / paged * 1e6, "µs per query head")
        Self.expectQuotes(quoted[2], sequence / 1e6, "decodeSequenceBytes in MB")
        Self.expectQuotes(quoted[3], head / 1e3, "decodeQueryHeadBytes in kB")
    }

    /// `kernels`' example: Llama-3.1-8B's 64 sequences and 32 query heads take 64 × (sequence +
    /// 32 × head bytes) at the paged bandwidth of per-sequence decode time each layer.
    @Test func kernelsExampleFittedTimeQuotesTheCoefficients() throws {
        let t = try Self.h100Time(), paged = try Self.pagedBandwidth()
        let quoted = try ProseFiguresTests.groups(#"--output 500`\), ([0-9.]+) of its ([0-9.]+) µs per layer, the KV stream"#, in: try Self.methodology())
        let fitted = 64 * (try #require(t["decodeSequenceBytes"]) + 32 * (try #require(t["decodeQueryHeadBytes"]))) / paged * 1e6
        Self.expectQuotes(quoted[0], fitted, "fitted decode attention µs")
    }

    @Test func servingEfficienciesQuoteTheCoefficients() throws {
        let t = try Self.h100Time(), text = try Self.methodology()
        let memory = try #require(t["memoryEfficiency"])
        Self.expectQuotes(try ProseFiguresTests.groups(#"take the H100 serving fit's memory efficiency \(([0-9.]+) since"#, in: text)[0], memory, "memory efficiency")
        Self.expectQuotes(try ProseFiguresTests.groups(#"the serving fit's memory efficiency \(([0-9.]+)\) is about what cuBLAS streams"#, in: text)[0], memory, "memory efficiency (published-ops)")
        Self.expectQuotes(try ProseFiguresTests.groups(#"a streaming rate above the fit's ([0-9.]+), which"#, in: text)[0], memory, "memory efficiency (published-ops)")
        let grouped = try ProseFiguresTests.groups(#"on the H100 \(([0-9.]+) × ([0-9.]+), ([0-9]+) % of peak\)"#, in: text)
        Self.expectQuotes(grouped[0], try #require(t["blockFP8GroupedMemoryEfficiency"]), "block-FP8 grouped efficiency")
        Self.expectQuotes(grouped[1], memory, "memory efficiency (grouped GEMMs)")
        Self.expectQuotes(grouped[2], try #require(t["blockFP8GroupedMemoryEfficiency"]) * memory * 100, "grouped share of peak")
        let attention = try ProseFiguresTests.groups(#"unchanged\): 0\.80 then, ([0-9.]+) since"#, in: text)[0]
        Self.expectQuotes(attention, try #require(t["attentionEfficiency"]), "attention efficiency")
        let collective = try ProseFiguresTests.groups(#"half the H100 fit's 15\.6 µs then \(([0-9.]+) µs now\)"#, in: text)[0]
        Self.expectQuotes(collective, try #require(t["collectiveLatencyMicroseconds"]), "collective latency")
    }

    @Test func inFitErrorsQuoteTheCoefficients() throws {
        let fit = try Self.h100().fit
        let quoted = try ProseFiguresTests.groups(#"they are ([0-9.]+) / ([0-9.]+) / ([0-9.]+) % now, `fit` in `coefficients\.json`"#, in: try Self.methodology())
        for (shown, key) in zip(quoted, ["powerMAPE", "energyMAPE", "timeMAPE"]) {
            Self.expectQuotes(shown, try #require(fit[key]) * 100, key)
        }
    }

    // MARK: - §6: the error bands and the out-of-sample check

    /// The Generalization row of `experiment` (its start) and `metric`, as printed.
    static func generalization(_ experiment: String, _ metric: String) throws -> String {
        let row = try #require(try DocsFiguresPinTests.reportRows("Generalization").first { $0.count > 4 && $0[0].hasPrefix(experiment) && $0[2] == metric },
                               "Generalization has no '\(experiment)' \(metric)")
        return DocsFiguresPinTests.percent(row[4])
    }

    @Test func outOfSampleFiguresQuoteTheReport() throws {
        let q = try ProseFiguresTests.groups(#"J/token is off by ([0-9.]+) % MAPE out of sample against ([0-9.]+) % in sample \(W/GPU ([0-9.]+) against ([0-9.]+) %, ITL ([0-9.]+) against ([0-9.]+) %, tokens/s ([0-9.]+) against ([0-9.]+) %\); per family, J/token ([0-9.]+) % \(([a-z0-9.-]+)\) to ([0-9.]+) % \(([a-z0-9.-]+)\)"#, in: try Self.methodology())
        let out = "223 h100-sxm fit runs, each family forecast by a fit without it", inSample = "223 h100-sxm fit runs, the bundled fit (in sample)"
        for (i, metric) in ["j_per_token", "power_w_per_gpu", "itl_ms", "tokens_per_s"].enumerated() {
            #expect(ReadmeFiguresTests.states(q[2 * i], try Self.generalization(out, metric)), "\(metric) out of sample: \(q[2 * i])")
            #expect(ReadmeFiguresTests.states(q[2 * i + 1], try Self.generalization(inSample, metric)), "\(metric) in sample: \(q[2 * i + 1])")
        }
        // Per family: the lowest and the highest J/token of the rows that leave one family out.
        let families = try DocsFiguresPinTests.reportRows("Generalization").filter { $0.count > 4 && $0[0].hasPrefix("h100-sxm without ") && $0[2] == "j_per_token" }
            .map { (name: String($0[0].dropFirst("h100-sxm without ".count).prefix { $0 != " " }), mape: DocsFiguresPinTests.percent($0[4])) }
            .sorted { (Double($0.mape) ?? 0) < (Double($1.mape) ?? 0) }
        let low = try #require(families.first), high = try #require(families.last)
        #expect([q[8], q[9], q[10], q[11]] == [low.mape, low.name, high.mape, high.name], "methodology \(q[8...]); the report \(low) to \(high)")
    }

    @Test func forecastBandQuotesTheReport() throws {
        let shown = try ProseFiguresTests.groups(#"the range widens to P0\.5–P99\.5 ([0-9.]+)–([0-9.]+) \(median ([0-9.]+)\)"#, in: try Self.methodology())
        let report = try ProseFiguresTests.text("Reports/validation.md")
        let band = try ProseFiguresTests.groups(#"the band would be P0\.5–P99\.5 ([0-9.]+)–([0-9.]+), median ([0-9.]+)"#, in: report)
        for (a, b) in zip(shown, band) { #expect(ReadmeFiguresTests.states(a, b), "methodology \(shown); the report \(band)") }
    }

    /// The pool's P5–P95 coverage with each GPU left out, in the methodology and in README.
    @Test func poolCoverageQuotesTheReport() throws {
        let report = try ProseFiguresTests.text("Reports/validation.md")
        let pooled = try ProseFiguresTests.groups(#"P2–P98 holds [0-9]+ % of the runs, P5–P95 ([0-9]+) %\."#, in: report)[0]
        let table = try DocsFiguresPinTests.reportRows("Error bands").filter { $0.count == 4 }
        func leftOut(_ gpu: String) throws -> String {
            try #require(table.first { $0[0] == gpu }, "no pool row \(gpu)")[3].replacingOccurrences(of: " %", with: "")
        }
        let expected = [pooled, try leftOut("a40"), try leftOut("h100-nvl"), try leftOut("b200")]
        let methodology = try ProseFiguresTests.groups(#"P5–P95 keeps ([0-9]+) %: A40 ([0-9]+) %, H100 NVL ([0-9]+) %, B200 ([0-9]+) %"#, in: try Self.methodology())
        let readme = try ProseFiguresTests.groups(#"P5–P95 would have kept less: ([0-9]+) % of the pool's runs with their GPU left out \(A40 ([0-9]+) %, H100 NVL ([0-9]+) %, B200 ([0-9]+) %"#, in: try ProseFiguresTests.text("README.md"))
        #expect(methodology == expected, "methodology \(methodology); the report \(expected)")
        #expect(readme == expected, "README \(readme); the report \(expected)")
    }

    /// Band figures the methodology quotes from `error-bands.json`.
    @Test func bandFiguresQuoteTheBundledBands() throws {
        let file = try Self.json("Sources/TokenWatt/Resources/error-bands.json")
        let bands = try #require(file["bands"] as? [[String: Any]])
        func band(_ gpu: String) throws -> [String: Any] { try #require(bands.first { $0["gpu"] as? String == gpu }, "no band \(gpu)") }
        func number(_ gpu: String, _ key: String) throws -> Double { try #require(try band(gpu)[key] as? Double, "\(gpu) has no \(key)") }
        let text = try Self.methodology()
        let minMax = try ProseFiguresTests.groups(#"For the V100, B200, A40 and H100 NVL even min–max keeps only ([0-9]+), ([0-9]+), ([0-9]+) and ([0-9]+) %"#, in: text)
        for (shown, gpu) in zip(minMax, ["v100-sxm2-32gb", "b200", "a40", "h100-nvl"]) {
            #expect(shown == String(Int((try number(gpu, "outOfSampleCoverage") * 100).rounded())), "\(gpu) min–max coverage \(shown) %")
        }
        let outside = try ProseFiguresTests.groups(#"and the ([0-9]+) others have median ([0-9.]+) \(`outsideFitMedian`"#, in: text)
        #expect(Double(outside[0]) == (try number("h100-sxm", "runs")) - (try number("h100-sxm", "fitRuns")), "\(outside[0]) others")
        Self.expectQuotes(outside[1], try number("h100-sxm", "outsideFitMedian"), "outsideFitMedian")
        let b300 = try ProseFiguresTests.groups(#"B300: B200's ([0-9.]+)–([0-9.]+), median ([0-9.]+);"#, in: text)
        for (shown, key) in zip(b300, ["ratioLow", "ratioHigh", "ratioMedian"]) { Self.expectQuotes(shown, try number("b200", key), "B200 \(key)") }
    }
}
