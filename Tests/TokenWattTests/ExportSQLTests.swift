import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// The generated SQL, run in a real SQLite (Python's built-in module, or Debian's sqlite3), gives
/// the same Wh as the formula evaluated in Swift.
@Suite struct ExportSQLTests {
    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    func formula(boundary: Boundary, utilization: Utilization = .busyFraction(0.6), gpus: Int = 4) throws -> TokenFormula {
        let e = Estimator()
        let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-70B-Instruct", gpu: "h100-sxm", gpus: gpus))
        return try TokenFormula(estimator: e, deployment: d, batch: 64, input: 1000, output: 250,
                                settings: try LedgerSettings(pue: 1.2, utilization: utilization), boundary: boundary)
    }

    /// Sample requests: the first rows of the Azure 2023 conversation trace when the shared data is
    /// here, and edge cases (empty prompt or answer, exactly one chunk, several chunks).
    func sample() throws -> [(Int, Int)] {
        var rows: [(Int, Int)] = [(0, 10), (1, 0), (8128, 1), (8129, 5), (30_000, 300), (16, 16), (17, 1), (1024, 1025),
                                  (100_000, 50), (65_536, 3), (200_000, 10)]  // across the cached-token segments, and past the last
        if let dir = sharedData {
            let t = try CSVTableLoader.load(dir + "/request-length-traces/azure2023_conv.csv")
            let i = try #require(t.column("ContextTokens")), o = try #require(t.column("GeneratedTokens"))
            rows += t.rows.prefix(400).map { (Int($0.fields[i])!, Int($0.fields[o])!) }
        }
        return rows
    }

    /// Runs `sql` over a `requests` table of `rows` and returns the columns it adds (by name) by row
    /// id. The table may hold further REAL columns (`existing`), each 1e6 in every row.
    func runSQLite(_ sql: String, rows: [(Int, Int)], existing: [String] = [], python: String) throws -> [[String: Double]] {
        try runSQLite(sql, literals: rows.map { (String($0.0), String($0.1)) }, existing: existing, python: python)
    }

    /// As above, the token cells given as Python literals (`'abc'`, `None`, `1e300`) in INTEGER
    /// columns, and the table and token columns named as given.
    func runSQLite(_ sql: String, literals rows: [(String, String)], existing: [String] = [], table name: String = "requests",
                   columns: (String, String) = ("input_tokens", "output_tokens"), python: String) throws -> [[String: Double]] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-sql-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try sql.write(to: dir.appendingPathComponent("q.sql"), atomically: true, encoding: .utf8)
        try rows.map { "\($0.0),\($0.1)" }.joined(separator: "\n").write(to: dir.appendingPathComponent("rows.csv"), atomically: true, encoding: .utf8)
        let table = ["id", columns.0, columns.1, "note"] + existing
        let script = """
        import ast, sqlite3, sys
        d = sys.argv[1]
        table = \(table)
        c = sqlite3.connect(':memory:')
        c.execute('CREATE TABLE "\(name)" (id INTEGER PRIMARY KEY, "%s" INTEGER, "%s" INTEGER, note TEXT' % (table[1], table[2])
                  + ''.join(', %s REAL' % n for n in table[4:]) + ')')
        for k, line in enumerate(open(d + '/rows.csv')):
            i, o = (ast.literal_eval(x) for x in line.rstrip('\\n').split(','))
            c.execute('INSERT INTO "\(name)" VALUES (%s)' % ', '.join('?' * len(table)), (k, i, o, 'row%d' % k) + (1e6,) * (len(table) - 4))
        q = open(d + '/q.sql').read()
        cur = c.execute(q)
        names = [x[0] for x in cur.description]
        assert names[:len(table)] == table, names
        for row in cur:
            assert row[3] == 'row%d' % row[0] and all(v == 1e6 for v in row[4:len(table)])
            print(row[0], ' '.join('%s=%r' % (n, v) for n, v in zip(names[len(table):], row[len(table):])))
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", script, dir.path]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "sqlite run failed: \(errors)")
        var result = [[String: Double]](repeating: [:], count: rows.count)
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ")
            for cell in parts.dropFirst() {
                let kv = cell.split(separator: "=")
                result[Int(parts[0])!][String(kv[0])] = Double(kv[1])
            }
        }
        return result
    }

    @Test(.enabled(if: python != nil), arguments: Boundary.allCases)
    func sqliteMatchesTheFormula(boundary: Boundary) throws {
        let f = try formula(boundary: boundary)
        let rows = try sample()
        let got = try runSQLite(try SQLExport(formula: f, dialect: .sqlite).sql(), rows: rows, python: try #require(Self.python))
        for (k, (i, o)) in rows.enumerated() {
            let want = try #require(f.wattHours(input: i, output: o)[boundary])
            let range = try #require(f.range(input: i, output: o))
            for (column, value) in [("wh", want), ("wh_gpu", f.wattHours(input: i, output: o)[.gpu]!),
                                    ("wh_low", range.low[boundary]!), ("wh_high", range.high[boundary]!)] {
                let sql = try #require(got[k][column], "row \(k) has no \(column)")
                #expect(abs(sql - value) <= 1e-9 * max(abs(value), 1e-12), "row \(k) (\(i), \(o)) \(column): sql \(sql) vs \(value)")
            }
        }
    }

    @Test(.enabled(if: python != nil)) func idleShareAndDataParallelDeploymentsToo() throws {
        let rows = try sample()
        for f in [try formula(boundary: .it, utilization: .default), try formula(boundary: .facility, gpus: 8)] {
            let got = try runSQLite(try SQLExport(formula: f, dialect: .sqlite).sql(), rows: rows, python: try #require(Self.python))
            for (k, (i, o)) in rows.enumerated() {
                let want = f.wattHours(input: i, output: o)[f.boundary]!, range = try #require(f.range(input: i, output: o))
                for (column, value) in [("wh", want), ("wh_low", range.low[f.boundary]!), ("wh_high", range.high[f.boundary]!)] {
                    let sql = try #require(got[k][column])
                    #expect(abs(sql - value) <= 1e-9 * max(abs(value), 1e-12), "row \(k) \(column)")
                }
            }
        }
    }

    /// A table that already has columns of the names the export adds (`trace`'s `--per-request`
    /// rows, or a table made from an earlier export) gets the new values beside its own: the
    /// export read the table's `wh_gpu` and `occupancy_s` instead of its own, and `wh` came out
    /// 12.7× too high on `trace`'s rows (3.530 Wh for 1000 + 250 tokens against 0.2770).
    @Test(.enabled(if: python != nil)) func columnsOfTheSameNameInTheTableChangeNothing() throws {
        let f = try formula(boundary: .facility)
        let rows = [(1000, 250), (5000, 20), (30_000, 300)]
        let got = try runSQLite(try SQLExport(formula: f, dialect: .sqlite).sql(), rows: rows,
                                existing: ["wh_gpu", "occupancy_s", "wh", "wh_low", "wh_high"], python: try #require(Self.python))
        for (k, (i, o)) in rows.enumerated() {
            let wh = f.wattHours(input: i, output: o), range = try #require(f.range(input: i, output: o))
            for (column, want) in [("wh", wh[.facility]!), ("wh_gpu", wh[.gpu]!), ("wh_low", range.low[.facility]!), ("wh_high", range.high[.facility]!)] {
                #expect(approx(try #require(got[k][column], "row \(k) has no new \(column)"), want, rel: 1e-9), "row \(k) \(column)")
            }
        }
    }

    /// A negative token count is no request: NULL, where it priced -5 input tokens as a prompt
    /// of 8,155 (FLOOR(-5 / 8160) = -1) and -10 output tokens as energy given back. A prompt
    /// longer than the step budget holds its place in the batch through its chunks, as in Swift.
    @Test(.enabled(if: python != nil)) func negativeTokenCountsGiveNull() throws {
        let f = try formula(boundary: .facility)
        let rows = [(-5, 250), (1000, -10), (1000, 250), (20_000, 10)]
        let got = try runSQLite(try SQLExport(formula: f, dialect: .sqlite).sql(), rows: rows, python: try #require(Self.python))
        #expect(got[0]["wh"] == nil && got[0]["wh_gpu"] == nil && got[1]["wh"] == nil && got[1]["occupancy_s"] == nil)
        for k in 2...3 {
            let want = f.wattHours(input: rows[k].0, output: rows[k].1)[.facility]!
            #expect(approx(try #require(got[k]["wh"]), want, rel: 1e-9), "row \(k)")
        }
        #expect(f.heldSteps(20_000) == 2 && f.heldSteps(Double(Int(f.chunk))) == 0 && f.heldSteps(f.chunk + 1) == 1)
    }

    /// A row no engine could run is NULL in every added column, as `trace` refuses it: 1e9 tokens
    /// or more (1e9 + 1 priced 1.33e9 Wh, 1e300 infinity), not whole (10.5), or in SQLite not a
    /// number (`CAST('abc' AS REAL)` and `CAST('' AS REAL)` are 0, so both priced as 0 tokens).
    /// Numeric text is read as its number, and a request longer than the context window is priced
    /// as logged with `over_context` 1 (it had no flag).
    @Test(.enabled(if: python != nil)) func rowsNoEngineCouldRunGiveNullAndLongOnesAreFlagged() throws {
        let f = try formula(boundary: .facility)
        let window = f.deployment.model.maxPositions
        let refused = [("1000000000", "1"), ("1e300", "1"), ("9223372036854775807", "1"), ("10.5", "20"), ("'abc'", "10"), ("''", "10"),
                       ("10", "'x'"), ("None", "10"), ("100", "-1"), ("100", "2.5")]
        let priced: [(String, String, Int, Int, Int)] = [("999999999", "1", 999_999_999, 1, 1), ("'100'", "20", 100, 20, 0), ("200000", "10", 200_000, 10, 1),
                                                         (String(window - 72), "72", window - 72, 72, 0), (String(window - 72), "73", window - 72, 73, 1)]
        let got = try runSQLite(try SQLExport(formula: f, dialect: .sqlite).sql(), literals: refused + priced.map { ($0.0, $0.1) }, python: try #require(Self.python))
        for k in refused.indices { #expect(got[k].isEmpty, "\(refused[k]) gave \(got[k])") }
        for (k, row) in priced.enumerated() {
            let cells = got[refused.count + k]
            #expect(approx(try #require(cells["wh"], "\(row)"), f.wattHours(input: row.2, output: row.3)[.facility]!, rel: 1e-9), "\(row)")
            #expect(cells["over_context"] == Double(row.4), "\(row)")
        }
    }

    /// A row whose one sequence does not fit in the KV cache even alone is flagged, as `estimate`
    /// refuses it and `trace` counts it: Llama-3.1-8B on one L4 at batch 8 priced 40000 + 256 tokens
    /// at 3.12 Wh with no flag. The column follows `OneSequenceRoom.fits` on either side of the line.
    @Test(.enabled(if: python != nil)) func rowsPastTheKVCacheAreFlaggedAsTraceCountsThem() throws {
        let e = Estimator()
        let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "l4"))
        let budget = ServingRequest.defaultTokenBudget(for: d)
        let f = try TokenFormula(estimator: e, deployment: d, batch: 8, input: 1000, output: 250, tokenBudget: budget,
                                 settings: try LedgerSettings(), boundary: .facility)
        let room = OneSequenceRoom(deployment: d, tokenBudget: budget)
        // The longest prompt with a 256-token answer that still fits, found by bisection on the Swift test.
        var (lo, hi) = (1, 1_000_000)
        while hi - lo > 1 { let m = (lo + hi) / 2; if room.fits(inputTokens: m, outputTokens: 256) { lo = m } else { hi = m } }
        let rows = [(40_000, 256), (1000, 250), (lo, 256), (hi, 256), (0, 0)]
        let got = try runSQLite(try SQLExport(formula: f, dialect: .sqlite).sql(), rows: rows, python: try #require(Self.python))
        for (k, row) in rows.enumerated() {
            let want: Double = room.fits(inputTokens: row.0, outputTokens: row.1) ? 0 : 1
            #expect(got[k]["over_kv_cache"] == want, "\(row)")
        }
        #expect(got[0]["over_kv_cache"] == 1 && got[1]["over_kv_cache"] == 0 && got[0]["wh"] != nil)
    }

    /// An empty prompt is priced as the one-token prompt `trace` prices it as (`TraceReplay.call`
    /// takes max(1, input)), in Swift and in SQL: 0 + 10 tokens came to 0.00609 Wh in SQL where
    /// `trace` priced a one-token prompt, and 0 + 0 to 0 Wh.
    @Test(.enabled(if: python != nil)) func anEmptyPromptIsPricedAsOneTokenAsTraceDoes() throws {
        let f = try formula(boundary: .facility)
        let s = try ServingSurface(estimator: Estimator(), deployment: f.deployment, maxBatch: 64, tokenBudget: 8192, meanResidentTokens: 1125, meanOutput: 250)
        let outputs = [0, 10, 250]
        for o in outputs {
            let c = s.cost(TraceReplay.call(TraceRequest(timestamp: 0, inputTokens: 0, outputTokens: o)))
            #expect(approx(f.wattHours(input: 0, output: o)[.gpu]!, (c.prefillJoules + c.decodeJoules) / 3600, rel: 1e-12), "0 + \(o)")
        }
        let got = try runSQLite(try SQLExport(formula: f, dialect: .sqlite).sql(), rows: outputs.map { (0, $0) } + outputs.map { (1, $0) }, python: try #require(Self.python))
        for (k, o) in outputs.enumerated() {
            let one = f.wattHours(input: 1, output: o), range = try #require(f.range(input: 1, output: o))
            for (column, want) in [("wh", one[.facility]!), ("wh_gpu", one[.gpu]!), ("wh_low", range.low[.facility]!), ("wh_high", range.high[.facility]!)] {
                for row in [k, outputs.count + k] {
                    #expect(approx(try #require(got[row][column]), want, rel: 1e-9), "\(row < outputs.count ? 0 : 1) + \(o) \(column)")
                }
            }
            #expect(approx(try #require(got[k]["occupancy_s"]), try #require(got[outputs.count + k]["occupancy_s"]), rel: 1e-9) && got[k]["over_context"] == 0)
        }
    }

    /// The range moves the GPU energy alone: at the GPU boundary its ends are the band's ratios
    /// times the estimate, and at the facility each further GPU Wh costs PUE ÷ PSU efficiency
    /// (the idle time of a busy fraction is held).
    @Test func rangeScalesOnlyTheGPUEnergy() throws {
        let f = try formula(boundary: .facility)
        let band = try #require(f.errorBand)
        for (i, o) in [(1, 1), (700, 300), (20_000, 50)] {
            let wh = f.wattHours(input: i, output: o), r = try #require(f.range(input: i, output: o))
            #expect(approx(r.low[.gpu]!, wh[.gpu]! * band.ratioLow, rel: 1e-12))
            #expect(approx(r.high[.gpu]!, wh[.gpu]! * band.ratioHigh, rel: 1e-12))
            #expect(approx(r.high[.facility]! - wh[.facility]!, (band.ratioHigh - 1) * wh[.gpu]! * f.pue / f.psuEfficiency, rel: 1e-9))
            #expect(r.low[.facility]! < wh[.facility]! && wh[.facility]! < r.high[.facility]!)
        }
    }

    /// Under another calibration the bands say nothing: the SQL adds no wh_low or wh_high.
    @Test func anotherCalibrationWritesNoRangeColumns() throws {
        var c = CoefficientFile.bundled
        c.capHoldFraction = 0.9
        let e = Estimator(calibration: c)
        let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 1))
        let f = try TokenFormula(estimator: e, deployment: d, batch: 32, input: 500, output: 300, settings: try LedgerSettings(), boundary: .it)
        #expect(f.errorBand == nil && f.range(input: 500, output: 300) == nil)
        let sql = try SQLExport(formula: f, dialect: .postgres).sql()
        #expect(sql.contains(" AS wh,\n") && sql.contains(" AS over_context,\n") && sql.contains(" AS over_kv_cache\nFROM \"requests\" AS r;") && !sql.contains("wh_low"))
    }

    /// The formula is the serving surface `fleet` and `trace` price queries with.
    @Test func formulaAgreesWithTheServingSurface() throws {
        let f = try formula(boundary: .gpu)
        let e = Estimator()
        let s = try ServingSurface(estimator: e, deployment: f.deployment, maxBatch: 64, tokenBudget: 8192, meanResidentTokens: 1125, meanOutput: 250)
        for (i, o) in [(1, 1), (200, 10), (8128, 100), (20_000, 700)] {
            let c = s.cost([ModelCall(newTokens: i, cachedTokens: 0, outputTokens: o, sequences: 1)])
            #expect(approx(f.wattHours(input: i, output: o)[.gpu]!, (c.prefillJoules + c.decodeJoules) / 3600, rel: 1e-12))
        }
    }

    /// A one-token step budget leaves one-token prompt chunks and a one-point chunk grid; the
    /// formula (which once indexed an empty segment list and crashed) treats it as a constant.
    @Test func oneTokenStepBudgetGivesAFiniteFormula() throws {
        let e = Estimator()
        let d = try e.deployment(DeploymentRequest(model: "meta-llama/Llama-3.1-8B-Instruct", gpu: "h100-sxm", gpus: 1))
        let f = try TokenFormula(estimator: e, deployment: d, batch: 64, input: 100, output: 20, tokenBudget: 1,
                                 settings: try LedgerSettings(), boundary: .gpu)
        let s = try ServingSurface(estimator: e, deployment: d, maxBatch: 64, tokenBudget: 1, meanResidentTokens: 110, meanOutput: 20)
        #expect(f.localBatch == 1)
        for (i, o) in [(1, 1), (100, 20), (3000, 7)] {
            let wh = try #require(f.wattHours(input: i, output: o)[.gpu])
            let c = s.cost([ModelCall(newTokens: i, cachedTokens: 0, outputTokens: o, sequences: 1)])
            #expect(wh.isFinite && wh > 0)
            #expect(approx(wh, (c.prefillJoules + c.decodeJoules) / 3600, rel: 1e-12))
        }
    }

    /// Backticks in Spark and BigQuery, where a double-quoted name is a string; ANSI double quotes elsewhere.
    static func quote(_ d: SQLDialect) -> String { d == .spark || d == .bigquery ? "`" : "\"" }

    @Test(arguments: SQLDialect.allCases) func everyDialectIsOneSelectWithoutFunctionsOfItsOwn(dialect: SQLDialect) throws {
        let sql = try SQLExport(formula: try formula(boundary: .facility), dialect: dialect, table: "warehouse.requests",
                                inputColumn: "prompt_tokens", outputColumn: "completion_tokens").sql()
        let code = sql.split(separator: "\n").filter { !$0.hasPrefix("--") }.joined(separator: "\n")
        let q = Self.quote(dialect)
        #expect(code.hasPrefix("SELECT r.*,\n") && code.hasSuffix("\nFROM \(q)warehouse\(q).\(q)requests\(q) AS r;"))
        #expect(code.components(separatedBy: "SELECT").count == 2 && code.contains("AS wh_low") && code.contains("AS wh_high"))
        #expect(code.contains("r.\(q)prompt_tokens\(q)") && code.contains("r.\(q)completion_tokens\(q)") && !code.contains("CREATE FUNCTION"))
        #expect(code.components(separatedBy: "(").count == code.components(separatedBy: ")").count)
    }

    /// Names are quoted part by part for the dialect: reserved words (`order`, `select`) passed
    /// the check and broke the SQL at run time, and BigQuery's usual `my-project.dataset.table`
    /// was refused for its hyphen. Nothing that could close the quotes or leave them is let in.
    @Test(arguments: SQLDialect.allCases) func namesAreQuotedAndStayInsideTheirQuotes(dialect: SQLDialect) throws {
        let f = try formula(boundary: .gpu)
        let sql = try SQLExport(formula: f, dialect: dialect, table: "my-project.logs.order", inputColumn: "select", outputColumn: "Completion-Tokens").sql()
        let q = Self.quote(dialect)
        #expect(sql.hasSuffix("\nFROM \(q)my-project\(q).\(q)logs\(q).\(q)order\(q) AS r;\n"))
        #expect(sql.contains("CAST(r.\(q)select\(q) AS ") && sql.contains("CAST(r.\(q)Completion-Tokens\(q) AS "))
        for bad in ["", ".", "a..b", "logs.", "t\"x", "t`x", "t\\x", "t; DROP TABLE y", "a b", "x\u{200B}", "t'x", "t\nx", "x/*"] {
            #expect(throws: InputError.self, "table \(bad.debugDescription)") { try SQLExport(formula: f, dialect: dialect, table: bad) }
            #expect(throws: InputError.self, "column \(bad.debugDescription)") { try SQLExport(formula: f, dialect: dialect, inputColumn: bad) }
        }
        // A column is one name: `in.put` was written r."in"."put", a path no dialect runs.
        #expect { try SQLExport(formula: f, dialect: dialect, inputColumn: "in.put") } throws: { "\($0)".contains("no '.'") }
        #expect(throws: InputError.self) { try SQLExport(formula: f, dialect: dialect, outputColumn: "a.b") }
    }

    /// The quoted names run: a table `order` with columns `select` and `ContextTokens` is priced in
    /// SQLite (it failed with a syntax error near "order").
    @Test(.enabled(if: python != nil)) func reservedWordsRunInSQLite() throws {
        let f = try formula(boundary: .facility)
        let rows = [(1000, 250), (20_000, 10)]
        let sql = try SQLExport(formula: f, dialect: .sqlite, table: "main.order", inputColumn: "select", outputColumn: "ContextTokens").sql()
        let got = try runSQLite(sql, literals: rows.map { (String($0.0), String($0.1)) }, table: "order", columns: ("select", "ContextTokens"),
                                python: try #require(Self.python))
        for (k, (i, o)) in rows.enumerated() {
            #expect(approx(try #require(got[k]["wh"]), f.wattHours(input: i, output: o)[.facility]!, rel: 1e-9))
        }
    }
}
