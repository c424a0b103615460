import Foundation
import KernelPower
import Testing
@testable import TokenWatt

@Suite struct ReportTests {
    func tinyReport() throws -> WorkloadReport {
        let text = kernelWorkload(classes: chatClass(output: #"{"exponential": {"median": 300}}"#),
                                  extra: #""levers": [{"name": "fp8", "precision": "fp8"}, {"name": "batch 16", "maxBatch": 16}]"#,
                                  more: #"{"name": "reasoning", "kind": "kernel", "sameDrawsAs": "s", "deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}], "classes": [\#(chatClass(strategy: #"{"kind": "long-reasoning", "factor": 10}"#))]}"#)
        return try WorkloadReport.build(try readWorkload(text), name: "tiny", source: "w.json", runner: FleetRunner(dataDirectory: nil),
                                        accountant: TestCatalogs.accountant)
    }

    @Test func writesFourFormatsWithoutNaNs() throws {
        let files = try tinyReport().files()
        #expect(files.map(\.ext) == ["md", "html", "csv", "json", "ttc.csv"])
        for (ext, text) in files {
            // "inf" as a number prints, not in a word: the host power's source speaks of "inference".
            #expect(!text.contains("NaN") && !text.contains("nan,") && text.range(of: #"(?<![A-Za-z])inf(?![A-Za-z])"#, options: .regularExpression) == nil, "\(ext)")
        }
        let md = files[0].text
        for phrase in ["## Boundary", "carbon, location-based", "carbon, market-based", "water, on-site", "embodied carbon", "## Test-time compute",
                       "## Assumptions and sources", "test gpu", "test node", "Levers, each applied alone"] {
            #expect(md.contains(phrase), "\(phrase)")
        }
    }

    /// Every chart in the HTML draws marks; the page needs nothing from the network.
    @Test func htmlChartsAllHaveMarksAndNoExternalResources() throws {
        let html = try tinyReport().files()[1].text
        let charts = html.components(separatedBy: "<svg ").dropFirst()
        #expect(charts.count >= 6)  // comparison, distribution, ledger, power, carbon, levers
        for c in charts { #expect(c.contains("class=\"mark\""), "a chart without marks: \(c.prefix(200))") }
        // Sources may cite URLs in the text; nothing may be fetched from one.
        for fetch in ["src=\"http", "href=\"http", "url(http", "url('http", "url(\"http", "@import", "<script src", "<link"] {
            #expect(!html.contains(fetch), "the page loads \(fetch)…")
        }
    }

    @Test func csvHasTheContractColumns() throws {
        let csv = try tinyReport().files()[2].text
        let table = try CSVTable.parse(csv, file: "tiny.csv")
        #expect(table.header == WorkloadReport.csvHeader)
        #expect(table.rows.count == 2)
        #expect(table.header.contains("location_g_per_query") && table.header.contains("market_g_per_query"))
    }

    /// The day's carbon range is its energy range at the same load-weighted intensities, and it
    /// brackets the day's carbon; the CSV carries both in tonnes.
    @Test func dayCarbonRangeFollowsTheBounds() throws {
        let r = try tinyReport()
        let s = try #require(r.scenarios.first)
        let g = try #require(s.fleet.gwhPerDayRange), c = try #require(s.dayCarbonRange)
        let day = s.emissions.perDay
        #expect(approx(c.location.low / day.locationGrams, g.low / s.fleet.gwhPerDay, rel: 1e-12))
        #expect(approx(c.market.high / day.marketGrams, g.high / s.fleet.gwhPerDay, rel: 1e-12))
        #expect(c.location.low < day.locationGrams && day.locationGrams < c.location.high)
        let files = r.files()
        #expect(files[0].text.contains("With the GPU energy at the two ends of the estimator's measured error band, a day emits"))
        let table = try CSVTable.parse(files[2].text, file: "tiny.csv")
        let low = try #require(table.header.firstIndex(of: "location_t_per_day_low"))
        #expect(approx(try #require(Double(table.rows[0].fields[low])), c.location.low / 1e6, rel: 1e-5))
    }

    /// A mix's day has a range across the measured error band: each part's share of the mix's day
    /// at its own band's ends (frontier-kernel's headline `mixed` had none, though both its parts
    /// had theirs), and with it a carbon range.
    @Test func aMixsDayHasItsPartsErrorBand() throws {
        let heavy = chatClass(output: #"{"fixed": 2000}"#)
        let text = kernelWorkload(scenarioName: "a", more: #"""
            {"name": "b", "kind": "kernel", "queriesPerDay": 1e7, "deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h200"}], "classes": [\#(heavy)]},
            {"name": "m", "kind": "mix", "queriesPerDay": 4e7, "mix": [{"scenario": "a", "share": 0.25}, {"scenario": "b", "share": 0.75}]}
            """#)
        let r = try WorkloadReport.build(try readWorkload(text), name: "m", source: "w.json", runner: FleetRunner(dataDirectory: nil),
                                         accountant: TestCatalogs.accountant, samples: 300)
        let (a, b, m) = (r.scenarios[0].fleet, r.scenarios[1].fleet, r.scenarios[2].fleet)
        let ga = try #require(a.gwhPerDayRange), gb = try #require(b.gwhPerDayRange), g = try #require(m.gwhPerDayRange)
        // Each part's share of the mix's 4e7 queries is 1e7 and 3e7: its own day once and three times.
        #expect(approx(g.low, ga.low + 3 * gb.low) && approx(g.high, ga.high + 3 * gb.high), "\(g) from \(ga), \(gb)")
        #expect(g.low < m.gwhPerDay && m.gwhPerDay < g.high)
        let c = try #require(r.scenarios[2].dayCarbonRange)
        #expect(c.location.low < r.scenarios[2].emissions.perDay.locationGrams && r.scenarios[2].emissions.perDay.locationGrams < c.location.high)
        let csv = try CSVTable.parse(r.files()[2].text, file: "m.csv")
        let low = try #require(csv.header.firstIndex(of: "gwh_per_day_low"))
        #expect(!csv.rows[2].fields[low].isEmpty)
        #expect(r.files()[0].text.contains("mean \(r.wh(m.whPerQuery.mean)); 40 million queries a day use \(formatNumber(m.gwhPerDay, significant: 3)) GWh (\(formatNumber(g.low, significant: 3))–"))
    }

    /// A scenario of the workload as the test-time table needs it: one deployment, its classes.
    func scenario(_ name: String, boundary: String = "facility", _ classes: String...) -> String {
        #"{"name": "\#(name)", "kind": "kernel", "boundary": "\#(boundary)", "queriesPerDay": 1e7, "#
            + #""deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}], "classes": [\#(classes.joined(separator: ", "))]}"#
    }

    func namedClass(_ name: String, share: Double = 1, input: Int = 1000, strategy: String? = nil) -> String {
        chatClass(input: #"{"fixed": \#(input)}"#, strategy: strategy).replacingOccurrences(of: #""name": "chat", "share": 1"#, with: #""name": "\#(name)", "share": \#(share)"#)
    }

    func report(_ scenarios: String...) throws -> WorkloadReport {
        let text = #"{"schemaVersion": 1, "description": "test", "samples": 500, "seed": 7, "scenarios": [\#(scenarios.joined(separator: ", "))]}"#
        return try WorkloadReport.build(try readWorkload(text), name: "t", source: "w.json", runner: FleetRunner(dataDirectory: nil), accountant: TestCatalogs.accountant)
    }

    /// The test-time table divides a class by the same class of the first scenario at the same
    /// boundary. A `gpu`-boundary best-of-8 had read 1.75 × a `facility` single (3.85 like for
    /// like), and a class was divided by a several-class base's whole-scenario mean.
    @Test func testTimeComputeComparesLikeWithLike() throws {
        let bo = #"{"kind": "best-of-n", "n": 8}"#
        let r = try report(scenario("base", namedClass("chat", share: 0.5), namedClass("code", share: 0.5, input: 6000)),
                           scenario("code-bo", namedClass("code", input: 6000, strategy: bo)),
                           scenario("chat-bo-gpu", boundary: "gpu", namedClass("chat", strategy: bo)),
                           scenario("other-bo", namedClass("other", strategy: bo)))
        let md = r.files()[0].text
        let base = r.scenarios[0].fleet, code = try #require(r.scenarios[1].fleet.classes.first)
        let baseCode = try #require(base.classes.first { $0.name == "code" })
        let ratio = formatNumber(code.whPerQuery.mean / baseCode.whPerQuery.mean, significant: 3)
        #expect(ratio != formatNumber(code.whPerQuery.mean / base.whPerQuery.mean, significant: 3))
        let rows = md.split(separator: "\n").map(String.init)
        #expect(rows.contains { $0.hasPrefix("| code-bo | code | best-of-N: 8 parallel samples |") && $0.contains("| \(ratio) |") }, "\(md)")
        #expect(rows.contains { $0.hasPrefix("| chat-bo-gpu | chat | best-of-N: 8 parallel samples |") && $0.hasSuffix("| – | – |  |") })
        #expect(rows.contains { $0.hasPrefix("| other-bo | other | best-of-N: 8 parallel samples |") && $0.hasSuffix("| – | – |  |") })
        #expect(md.contains("- `chat-bo-gpu` class `chat`: at the `gpu` boundary, `base` at `facility`"))
        #expect(md.contains("- `other-bo` class `other`: `base` has no class `other`"))
    }

    /// A multiple that is not like for like is marked, and the list says why: a best-of-8 on other
    /// queries, on another GPU, at another PUE, with its prompt in the prefix cache, on queries
    /// drawn apart, or with more samples than an engine holds had read "3.76 × single" and the like
    /// with nothing said. A row like for like, and a revision whose hit is a share of its re-reads,
    /// carry none; a row running the base's own strategy compares deployments, on purpose.
    @Test func testTimeMarksWhatIsNotLikeForLike() throws {
        let bo = #"{"kind": "best-of-n", "n": 8}"#
        func same(_ s: String) -> String { s.replacingOccurrences(of: #""kind": "kernel","#, with: #""kind": "kernel", "sameDrawsAs": "single","#) }
        let r = try report(scenario("single", namedClass("chat")),
                           same(scenario("alike", namedClass("chat", strategy: bo))),
                           same(scenario("longer", namedClass("chat", input: 5000, strategy: bo))),
                           same(scenario("h200", namedClass("chat", strategy: bo)).replacingOccurrences(of: #""gpu": "h100-sxm""#, with: #""gpu": "h200""#)),
                           same(scenario("pue", namedClass("chat", strategy: bo)).replacingOccurrences(of: #""queriesPerDay": 1e7"#, with: #""queriesPerDay": 1e7, "pue": 1.2"#)),
                           same(scenario("cached", namedClass("chat", strategy: bo).replacingOccurrences(of: #""prefixCacheHit": 0.0"#, with: #""prefixCacheHit": 0.5"#))),
                           same(scenario("revision", namedClass("chat", strategy: #"{"kind": "sequential-revision", "rounds": 3}"#)
                                .replacingOccurrences(of: #""prefixCacheHit": 0.0"#, with: #""prefixCacheHit": 0.9"#))),
                           scenario("apart", namedClass("chat", strategy: bo)),
                           same(scenario("wide", namedClass("chat", strategy: #"{"kind": "best-of-n", "n": 300}"#))),
                           same(scenario("crowded", namedClass("chat", strategy: #"{"kind": "best-of-n", "n": 128, "factor": 20}"#))))
        let md = r.files()[0].text
        let rows = md.split(separator: "\n").map(String.init)
        func row(_ name: String) -> String { rows.first { $0.hasPrefix("| \(name) | chat |") } ?? "" }
        #expect(md.contains("| scenario | class | strategy | output tokens | batch | mean Wh | × single | 95 % sampling range | caveats |"), "\(md)")
        #expect(row("alike").hasSuffix(" |  |") && row("revision").hasSuffix(" |  |"), "\(row("alike")) \(row("revision"))")
        #expect(row("longer").hasSuffix("| other queries |") && row("h200").hasSuffix("| other deployment |"), "\(row("longer")) \(row("h200"))")
        #expect(row("pue").hasSuffix("| other PUE |") && row("cached").hasSuffix("| prompt cached 50 % |"), "\(row("pue")) \(row("cached"))")
        #expect(row("apart").hasSuffix("| own draws |") && row("wide").hasSuffix("| n > batch |"), "\(row("apart")) \(row("wide"))")
        #expect(md.contains("- `longer` class `chat`: other queries than `single`'s: input lengths 5000 against 1000"))
        #expect(md.contains("- `h200` class `chat`: another deployment than `single`'s: meta-llama/Llama-3.1-8B-Instruct on 1 × h200"))
        #expect(md.contains("- `cached` class `chat`: 50 % of its prompt is found in the prefix cache, 0 % of `single`'s"))
        #expect(md.contains("- `wide` class `chat`: a query's 300 samples are more than the 256 sequences an engine keeps in flight"))
        // 128 answers of 4,000 tokens each fit alone but not together: in turns, not over the KV cache.
        #expect(row("crowded").hasSuffix("| samples in turns |"), "\(row("crowded"))")
        #expect(md.contains("- `crowded` class `chat`: 100.0 % of its queries have more samples than an engine's KV cache holds at once"), "\(md)")
        // The base's own strategy on another deployment: a comparison of deployments, unmarked.
        let lr = #"{"kind": "long-reasoning", "factor": 4}"#
        let models = try report(scenario("a", namedClass("chat", strategy: lr)),
                                same(scenario("b", namedClass("chat", strategy: lr)).replacingOccurrences(of: #""gpu": "h100-sxm""#, with: #""gpu": "h200""#))
                                    .replacingOccurrences(of: #""sameDrawsAs": "single""#, with: #""sameDrawsAs": "a""#)).files()[0].text
        #expect(models.contains("its multiple compares deployments (model, GPU, layout), which differ by design") && !models.contains("caveats"), "\(models)")
    }

    /// A multiple carries its 95 % sampling range: the two classes' relative half-widths added in
    /// quadrature on the log scale, in the Markdown, the JSON and the CSV alike ("12.7 ×" had been
    /// printed alone, with no way to tell it from "12.5 ×" short of rerunning other seeds). Over
    /// 30 seeds the bundled long-reasoning multiple's own spread (±1.2 %) sat inside the ±1.7 %
    /// this gives: its draws are shared, so the independent sum is the wider one.
    @Test func testTimeMultipleCarriesItsSamplingRange() throws {
        let spread = #"{"lognormal": {"p5": 200, "p95": 4000}}"#
        func varied(_ name: String, _ strategy: String?) -> String {
            scenario(name, chatClass(input: spread, output: spread, strategy: strategy).replacingOccurrences(of: #""share": 1"#, with: #""share": 1.0"#))
        }
        let r = try report(varied("single", nil), varied("bo", #"{"kind": "best-of-n", "n": 4}"#))
        let base = r.scenarios[0].fleet.classes[0], mine = r.scenarios[1].fleet.classes[0]
        let a = try #require(mine.meanSamplingHalfWidth), b = try #require(base.meanSamplingHalfWidth)
        #expect(a > 0.01 && b > 0.01, "\(a) \(b)")
        let multiple = mine.whPerQuery.mean / base.whPerQuery.mean, h = (a * a + b * b).squareRoot()
        let files = r.files()
        let json = try #require(try JSONSerialization.jsonObject(with: Data(files[3].text.utf8)) as? [String: Any])
        let row = try #require((json["testTimeCompute"] as? [[String: Any]])?.first)
        let low = try #require(row["multipleLow"] as? Double), high = try #require(row["multipleHigh"] as? Double)
        #expect(approx(low, multiple * exp(-h), rel: 1e-5) && approx(high, multiple * exp(h), rel: 1e-5), "\(low) \(high)")
        #expect(low < multiple && multiple < high)
        let csv = try CSVTable.parse(files[4].text, file: "t.ttc.csv")
        func cell(_ column: String) throws -> Double {
            let index = try #require(csv.header.firstIndex(of: column))
            return try #require(Double(csv.rows[0].fields[index]))
        }
        #expect(try approx(cell("multiple_low"), low, rel: 1e-5) && approx(cell("multiple_high"), high, rel: 1e-5))
        let words = "\(WorkloadReport.multipleWords(low))–\(WorkloadReport.multipleWords(high))"
        #expect(files[0].text.contains("| \(WorkloadReport.multipleWords(multiple)) | \(words) |"), "\(files[0].text)")
        #expect(files[0].text.contains("Beside each multiple is its 95 % sampling range"))
    }

    /// A class's sampling half-width is 1.96 standard errors of its mean over the mean: draws
    /// 1, 2, 3, 4 have s² = 5/3, so 1.96 × √(5/3 ÷ 4) ÷ 2.5 = 0.50606; alike draws have none
    /// to speak of, one draw none at all.
    @Test func classHalfWidthIsTheMeansStandardError() throws {
        #expect(approx(try #require(KernelFleet.relativeHalfWidth(of: [1, 2, 3, 4])), 1.96 * (5.0 / 3 / 4).squareRoot() / 2.5, rel: 1e-12))
        #expect(KernelFleet.relativeHalfWidth(of: [0.3, 0.3, 0.3]) == 0)
        #expect(KernelFleet.relativeHalfWidth(of: [0.3]) == nil)
    }

    /// The test-time table is machine-readable: the JSON's `testTimeCompute` and `NAME.ttc.csv`
    /// give each row's multiple, the class it divides by, why there is none and its caveats in
    /// the Markdown's words (they had been in the Markdown and HTML only). A report without the
    /// table writes no `ttc.csv` and an empty `testTimeCompute`.
    @Test func testTimeComputeIsMachineReadable() throws {
        let bo = #"{"kind": "best-of-n", "n": 8}"#
        let r = try report(scenario("single", namedClass("chat")), scenario("bo", namedClass("chat", strategy: bo)),
                           scenario("bo-gpu", boundary: "gpu", namedClass("chat", strategy: bo)))
        let files = r.files()
        #expect(files.map(\.ext) == ["md", "html", "csv", "json", "ttc.csv"])
        let md = files[0].text
        let base = r.scenarios[0].fleet.classes[0], mine = r.scenarios[1].fleet.classes[0]
        let multiple = mine.whPerQuery.mean / base.whPerQuery.mean
        let long = "its queries are drawn apart from `single`'s (no `sameDrawsAs` chain to it): the multiple carries both samples' error"
        #expect(md.contains("- `bo` class `chat`: " + long), "\(md)")

        let json = try #require(try JSONSerialization.jsonObject(with: Data(files[3].text.utf8)) as? [String: Any])
        let rows = try #require(json["testTimeCompute"] as? [[String: Any]])
        #expect(rows.count == 2 && rows[0]["scenario"] as? String == "bo" && rows[0]["strategy"] as? String == "best-of-n")
        #expect((rows[0]["strategyParameters"] as? [String: Double]) == ["n": 8, "factor": 1])
        #expect(approx(try #require(rows[0]["multiple"] as? Double), multiple, rel: 1e-5))
        let b = try #require(rows[0]["base"] as? [String: Any])
        #expect(b["scenario"] as? String == "single" && b["class"] as? String == "chat" && b["boundary"] as? String == "facility")
        #expect(approx(try #require(b["meanWhPerQuery"] as? Double), base.whPerQuery.mean, rel: 1e-5))
        let caveats = try #require(rows[0]["caveats"] as? [[String: String]])
        #expect(caveats == [["short": "own draws", "long": long]], "\(caveats)")
        #expect(rows[1]["multiple"] is NSNull && rows[1]["notComparable"] as? String == "at the `gpu` boundary, `single` at `facility`")

        let csv = try CSVTable.parse(files[4].text, file: "t.ttc.csv")
        #expect(csv.header == WorkloadReport.testTimeComputeCSVHeader && csv.rows.count == 2)
        func cell(_ row: Int, _ column: String) throws -> String { csv.rows[row].fields[try #require(csv.header.firstIndex(of: column))] }
        #expect(try cell(0, "strategy") == "best-of-n" && cell(0, "n") == "8" && cell(0, "factor") == "1" && cell(0, "rounds") == "")
        #expect(approx(try #require(Double(try cell(0, "multiple"))), multiple, rel: 1e-5))
        #expect(try cell(0, "base_scenario") == "single" && cell(0, "caveats") == "own draws" && cell(0, "caveat_details") == long)
        #expect(try cell(1, "multiple") == "" && cell(1, "not_comparable") == "at the `gpu` boundary, `single` at `facility`")

        let plain = try report(scenario("a", namedClass("chat")), scenario("b", namedClass("chat", input: 3000)))
        let plainFiles = plain.files()
        #expect(plainFiles.map(\.ext) == ["md", "html", "csv", "json"] && plainFiles[3].text.contains("\"testTimeCompute\": []"))
    }

    /// The class and test-time tables name each strategy with its parameters, and the
    /// assumptions list each class strategy with the scenarios that run it and its source, in
    /// plain words (`WorkloadReport.plainStrategyWords`), not the workload file's keys.
    @Test func strategiesAreShownWithTheirParameters() throws {
        let sc = #"{"kind": "self-consistency", "n": 16, "factor": 4}"#
        let md = try report(scenario("single", namedClass("chat")), scenario("sc", namedClass("chat", strategy: sc)),
                            scenario("sc2", namedClass("chat", strategy: sc))).files()[0].text
        let words = "self-consistency: 16 parallel samples, each 4 × the base output length"
        #expect(md.contains("| chat | \(words) | 100 % |"), "\(md)")
        #expect(md.contains("| sc | chat | \(words) |"))
        #expect(md.contains("| strategy of class `chat`, scenarios `sc`, `sc2` | \(words) | workload file w.json |"), "\(md)")
    }

    /// Rows that are all one strategy on several scenarios compare the scenarios (models), and
    /// the caption says so; it had read "Each strategy's cost" over a model comparison.
    @Test func testTimeCaptionSaysWhatIsCompared() throws {
        let lr = #"{"kind": "long-reasoning", "factor": 4}"#
        let models = try report(scenario("a", namedClass("chat", strategy: lr)), scenario("b", namedClass("chat", input: 3000, strategy: lr))).files()[0].text
        #expect(models.contains("Each scenario's `long-reasoning` queries, mean Wh per query against the same class of the first scenario (`a`"))
        let strategies = try report(scenario("single", namedClass("chat")), scenario("lr", namedClass("chat", strategy: lr)),
                                    scenario("bo", namedClass("chat", strategy: #"{"kind": "best-of-n", "n": 4}"#))).files()[0].text
        #expect(strategies.contains("Each strategy's queries, mean Wh per query against the same class of the first scenario (`single`"))
    }

    /// A mix's embodied figure is its parts' blended by share in the markdown, CSV and JSON
    /// alike; it had printed 0 g with `embodied_not_counted` empty.
    @Test func aMixsEmbodiedFigureIsBlendedInEveryFormat() throws {
        let mix = #"{"name": "m", "kind": "mix", "queriesPerDay": 1e7, "mix": [{"scenario": "a", "share": 0.75}, {"scenario": "b", "share": 0.25}]}"#
        let r = try report(scenario("a", namedClass("chat")), scenario("b", namedClass("chat", input: 8000)), mix)
        let parts = try r.scenarios[..<2].map { try #require($0.emissions.perQuery.embodiedGrams) }
        let blended = 0.75 * parts[0] + 0.25 * parts[1]
        #expect(approx(try #require(r.scenarios[2].emissions.perQuery.embodiedGrams), blended))
        let files = r.files()
        let csv = try CSVTable.parse(files[2].text, file: "t.csv")
        let col = try #require(csv.header.firstIndex(of: "embodied_g_per_query"))
        #expect(approx(try #require(Double(csv.rows[2].fields[col])), blended, rel: 1e-5))
        #expect(files[0].text.contains("| embodied carbon (amortised) | \(ReportUnits.mass(blended)) |"))
        #expect(files[3].text.contains("\"locationBasis\""))
    }

    /// What a scenario does not have is none, not 0: a mix has no wall power (the CSV read 0 MW
    /// beside 30 MW at the facility) and a workload without a price no currency.
    @Test func noneIsAnEmptyCellAndNull() throws {
        let mix = #"{"name": "m", "kind": "mix", "queriesPerDay": 1e7, "mix": [{"scenario": "a", "share": 1}]}"#
        let files = try report(scenario("a", namedClass("chat")), mix).files()
        let csv = try CSVTable.parse(files[2].text, file: "t.csv")
        let mw = try #require(csv.header.firstIndex(of: "megawatts")), currency = try #require(csv.header.firstIndex(of: "currency"))
        #expect(csv.rows[0].fields[mw] != "" && csv.rows[1].fields[mw] == "")
        #expect(csv.rows.allSatisfy { $0.fields[currency] == "" })
        #expect(files[3].text.contains("\"currency\": null") && !files[3].text.contains("\"currency\": \"USD\""))
    }

    /// A class without queries has no figures: "–" in the tables, null in the JSON (it read 0 Wh
    /// and 0 output tokens, as if its queries cost nothing).
    @Test func aClassWithoutQueriesHasNoFigures() throws {
        let r = try report(scenario("a", namedClass("chat"), namedClass("rare", share: 0, input: 8000)))
        let files = r.files()
        // The report names the strategy in plain words, fleet's Markdown by its key.
        for (text, strategy) in [(files[0].text, "single answer"), (FleetRendering.markdown(r.workload, [r.scenarios[0].fleet]), "single")] {
            #expect(text.contains("| rare | \(strategy) | 0 % | – | – | – |"), "\(text)")
        }
        #expect(FleetRendering.text(r.workload, [r.scenarios[0].fleet]).contains("class rare (single, 0 %): no queries"))
        guard case let .object(s) = FleetRendering.scenarioJSON(r.scenarios[0].fleet), case let .array(classes)? = s.first(where: { $0.0 == "classes" })?.1,
              case let .object(rare)? = classes.last else { Issue.record("no classes"); return }
        for key in ["whPerQuery", "meanOutputTokens", "meanCalls"] { #expect(rare.first { $0.0 == key }?.1 == .null, "\(key)") }
    }

    /// The ledger chart labels each bar with its scenario's figure, at its boundary, and marks the
    /// lines beyond it, as the tables do: a `gpu` row read 0.209 Wh (every line) beside 0.110.
    @Test func theLedgerChartLabelsEachBarAtItsBoundary() throws {
        let r = try report(scenario("g", boundary: "gpu", namedClass("chat")), scenario("f", namedClass("chat")))
        let chart = try #require(r.ledgerChart())
        let g = r.scenarios[0].fleet, f = r.scenarios[1].fleet
        let within = FleetRendering.withinTotal(g.meanLedger, boundary: .gpu)
        #expect(chart.contains(">\(r.wh(within)) Wh at gpu<"), "\(chart)")
        #expect(chart.contains("host \(formatNumber(g.meanLedger[3].energy.wattHours, significant: 3)) (outside gpu)"))
        #expect(chart.contains(">\(r.wh(FleetRendering.withinTotal(f.meanLedger, boundary: .facility))) Wh<"))
    }

    /// Scenario and lever names went into the charts' pattern ids and `url(#…)` fills unescaped:
    /// `<script>` was markup in the page, a space or a quote an invalid reference (the bars lost
    /// their fills), and a line break in a name ended its Markdown heading or table row.
    @Test func namesWithMarkupQuotesAndLineBreaksKeepTheReportWhole() throws {
        let text = kernelWorkload(classes: chatClass(), extra: #""levers": [{"name": "fp8 \"x\"\nzzz", "precision": "fp8"}]"#,
                                  scenarioName: #"<script>alert(1)</script> a \"b\"\nzzz"#)
        let files = try WorkloadReport.build(try readWorkload(text), name: "my report", source: "w.json", runner: FleetRunner(dataDirectory: nil),
                                             accountant: TestCatalogs.accountant).files()
        let md = files[0].text, html = files[1].text
        #expect(!html.contains("<script>") && html.contains("&lt;script&gt;"))
        let ids = Set(html.matches(of: /<pattern id="([^"]*)"/).map { String($0.1) })
        let fills = html.matches(of: /url\(#([^)]*)\)/).map { String($0.1) }
        #expect(!fills.isEmpty && fills.allSatisfy(ids.contains), "\(Set(fills).subtracting(ids))")
        #expect(ids.allSatisfy { $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) } }, "\(ids)")
        let lines = md.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(!lines.contains { $0.hasPrefix("zzz") }, "a name's line break ended its line")
        #expect(lines.filter { $0.hasPrefix("|") }.allSatisfy { $0.hasSuffix("|") })
    }

    @Test func sameInputsSameBytes() throws {
        let a = try tinyReport().files(), b = try tinyReport().files()
        #expect(a.map(\.text) == b.map(\.text))
    }

    /// `Reports/` holds the report of every bundled workload, exactly as `report --all` writes it.
    @Test(.enabled(if: sharedData != nil)) func committedReportsAreCurrent() throws {
        let dir = packageRoot.appendingPathComponent("Workloads")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        let runner = FleetRunner(dataDirectory: sharedData)
        for file in names {
            let name = String(file.dropLast(5))
            let w = try WorkloadReader.read(path: dir.appendingPathComponent(file).path, dataDirectory: sharedData)
            let report = try WorkloadReport.build(w, name: name, source: "Workloads/\(file)", runner: runner)
            for (ext, text) in report.files() {
                let committed = try? String(contentsOf: packageRoot.appendingPathComponent("Reports/\(name).\(ext)"), encoding: .utf8)
                let current = committed == text  // compared first so a failure prints the message, not both files
                #expect(current, "Reports/\(name).\(ext) is stale or missing: run `swift run -c release tokenwatt report --all`")
            }
        }
    }
}
