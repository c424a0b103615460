import Foundation
import Testing

/// The shapes scripts read from estimate, tune and trace (2026-12-07 probe of a pipeline
/// integrator): one set of columns and keys whatever the method or options, numbers written one
/// way in every file, caveats in every format.
@Suite struct EstimateShapesTests {
    static let longRequest = ["estimate", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "32", "--input", "130000", "--output", "2000"]

    func csv(_ text: String) -> (header: [String], row: [String]) {
        let lines = text.split(separator: "\n").map(String.init)
        return (lines[0].components(separatedBy: ","), lines.count > 1 ? lines[1].components(separatedBy: ",") : [])
    }

    func keys(_ json: String) throws -> [String] {
        // Top-level keys in the order written (JSONSerialization's dictionary has none).
        json.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { String($0.dropFirst(3).prefix { $0 != "\"" }) }
    }

    /// The surface method dropped the kernel method's caveats (over the context window, a batch
    /// cut 32 → 3), wrote 25 CSV columns against 34 (no note) and a JSON without model, gpu,
    /// settings or assumptions.
    @Test func theSurfaceMethodWritesTheKernelMethodsShapesAndCaveats() throws {
        let surface = Self.longRequest + ["--method", "surface"]
        let kernelCSV = try CLITests.run(Self.longRequest + ["--format", "csv"]), surfaceCSV = try CLITests.run(surface + ["--format", "csv"])
        #expect(kernelCSV.status == 0 && surfaceCSV.status == 0, "\(surfaceCSV.stderr)")
        #expect(csv(surfaceCSV.stdout).header == csv(kernelCSV.stdout).header)
        let note = try #require(surfaceCSV.stdout.split(separator: "\n").last.map(String.init))
        for words in ["131072-token context window", "batch 32 does not fit in memory", "using 3"] {
            #expect(note.contains(words), "csv note lacks \(words): \(note)")
        }
        let kernelJSON = try CLITests.run(Self.longRequest + ["--format", "json"]), surfaceJSON = try CLITests.run(surface + ["--format", "json"])
        #expect(try keys(surfaceJSON.stdout) == keys(kernelJSON.stdout))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(surfaceJSON.stdout.utf8)) as? [String: Any])
        #expect(object["model"] as? String == Inputs.model8B && object["gpu"] as? String == "h100-sxm" && object["settings"] is [String: Any])
        #expect(object["ledger"] is NSNull && object["method"] as? String == "surface")
        let assumptions = (object["assumptions"] as? [String])?.joined(separator: "; ") ?? ""
        #expect(assumptions.contains("does not fit in memory") && assumptions.contains("context window"), "\(assumptions)")
        let markdown = try CLITests.run(surface + ["--format", "markdown"])
        #expect(markdown.stdout.contains("batch 32 does not fit in memory"), "\(markdown.stdout)")
        let text = try CLITests.run(surface)
        #expect(text.stdout.split(separator: "\n").count == 4 && text.stderr.contains("note: batch 32 does not fit in memory"), "\(text.stderr)")
    }

    /// tune's CSV wrote 0 as the default row's value (a 0 W cap), where its JSON writes null.
    @Test func tuneCSVLeavesTheDefaultRowsValueEmpty() throws {
        let r = try CLITests.run(OutputFileGuardTests.tune + ["--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let row = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("default,") })
        #expect(row.hasPrefix("default,,"), "\(row)")
    }

    /// Under a user calibration the CSV's note was empty where the receipt says why there is no
    /// range and what the calibration's fit warned of.
    @Test func theCSVNoteSaysWhyThereIsNoRangeUnderACalibration() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-shapes-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bundled = try String(contentsOf: CLITests.packageRoot.appendingPathComponent("Sources/KernelPower/Resources/coefficients.json"), encoding: .utf8)
        let file = dir.appendingPathComponent("cal.json")
        try bundled.replacingOccurrences(of: "fitted on 223 ML.ENERGY v3 rows of h100-sxm", with: "fitted on 7 user runs of h100-sxm; warning: few runs")
            .write(to: file, atomically: true, encoding: .utf8)
        let args = ["estimate", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "8", "--input", "1000", "--output", "200", "--calibration", file.path]
        let r = try CLITests.run(args + ["--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let row = try #require(r.stdout.split(separator: "\n").last.map(String.init))
        #expect(row.contains("no range: the measured error bands") && row.contains("calibration warning: few runs"), "\(row)")
        // And the JSON keeps the key, null (it left `range` out).
        let json = try CLITests.run(args + ["--format", "json"])
        #expect(json.stdout.contains("\"range\": null"), "\(json.stdout)")
    }

    /// The JSON's keys do not depend on the options: `promptChunking` under `--framework hf`,
    /// `atLoad` without `--load`.
    @Test func estimateJSONKeysDoNotDependOnTheOptions() throws {
        let base = ["estimate", "--model", Inputs.model8B, "--gpu", "h100-sxm", "--batch", "8", "--input", "1000", "--output", "200", "--format", "json"]
        let plain = try keys(try CLITests.run(base).stdout), hf = try keys(try CLITests.run(base + ["--framework", "hf"]).stdout)
        let loaded = try keys(try CLITests.run(base + ["--load", "1"]).stdout)
        #expect(plain == hf && plain == loaded && plain.contains("atLoad") && plain.contains("promptChunking"), "\(plain) \(hf) \(loaded)")
    }

    /// The per-request CSV printed raw doubles (`0.5420733089894147`, batch `1.0`, time `5.0`);
    /// the hourly CSV eight digits where its JSON has six; the JSON left out the range's keys
    /// and gave 0 where the CSV left an hour's per-request cells empty.
    @Test func traceFilesWriteNumbersAsTheJSONDoes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-trace-shapes-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Two requests two hours apart: the middle hour has none.
        try "timestamp,input_length,output_length\n5,4808,10\n7205,100,20\n".write(to: dir.appendingPathComponent("t.csv"), atomically: true, encoding: .utf8)
        let r = try CLITests.run(["trace", dir.path + "/t.csv"] + BadOutputTests.trace
                                 + ["--per-request", dir.path + "/p.csv", "--hourly", dir.path + "/h.csv", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try String(contentsOf: dir.appendingPathComponent("p.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        for row in rows {
            let cells = row.components(separatedBy: ",")
            #expect(cells[1] == "5" || cells[1] == "7205", "\(row)")
            #expect(!cells[4].contains(".") && cells[4] != "", "batch \(row)")
            // Six significant digits: leading zeros are not significant.
            #expect(cells[5...].allSatisfy { $0.filter(\.isNumber).drop { $0 == "0" }.count <= 6 }, "\(row)")
        }
        let hourly = try String(contentsOf: dir.appendingPathComponent("h.csv"), encoding: .utf8).split(separator: "\n").map { $0.components(separatedBy: ",") }
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let hours = try #require(json["hourly"] as? [[String: Any]])
        #expect(hours.count == hourly.count - 1 && hours.count == 3)
        for (h, cells) in zip(hours, hourly.dropFirst()) {
            for (key, cell) in zip(["hour", "requests", "wh", "meanWatts", "whPerRequest", "meanBatch", "busyFraction"], cells) {
                let value = h[key]
                let written = value is NSNull ? "" : (value as? NSNumber).map { "\($0)" } ?? "?"
                #expect(cell.isEmpty == (value is NSNull), "\(key): \(cell) vs \(String(describing: value))")
                #expect(cell.isEmpty || Double(cell) == Double(written), "\(key): \(cell) vs \(written)")
            }
        }
        #expect(json.keys.contains("totalWhLow") && json.keys.contains("totalWhHigh") && json.keys.contains("errorBand"))
    }

    /// The exit rules of sweep and predict, which differ, are each stated; `--data-dir` says that
    /// the tool searches upwards for shared/data.
    @Test func helpStatesTheExitRulesAndTheDataSearch() throws {
        let sweep = try CLITests.run(["help", "sweep"]).stdout, predict = try CLITests.run(["help", "predict"]).stdout
        #expect(sweep.contains("1 only when every point fails") && predict.contains("1 when any row fails"))
        let validate = try CLITests.run(["help", "validate"]).stdout
        #expect(validate.contains("--data-dir DIR") && validate.contains("folders above it"), "\(validate)")
    }
}
