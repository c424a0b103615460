import Foundation
import KernelPower
import Testing
@testable import TokenWatt

func runWorkload(_ text: String, samples: Int? = nil, seed: UInt64? = nil) throws -> [FleetResult] {
    try FleetRunner(dataDirectory: sharedData).run(try readWorkload(text, dataDirectory: sharedData), samples: samples, seed: seed)
}

func chatClass(input: String = #"{"fixed": 1000}"#, output: String = #"{"fixed": 200}"#, strategy: String? = nil, hit: Double = 0) -> String {
    #"{"name": "chat", "share": 1, "deployment": "d", "input": \#(input), "output": \#(output), "prefixCacheHit": \#(hit)"#
        + (strategy.map { #", "strategy": \#($0)"# } ?? "") + "}"
}

@Suite struct FleetLawTests {
    /// A lever the deployment cannot take is named and left out; the baseline and the other
    /// levers stand (a 70B model on an L4 lever once aborted the whole run).
    @Test func aLeverThatCannotRunIsNamedAndTheRestStand() throws {
        let text = kernelWorkload(extra: #""levers": [{"name": "on l4", "gpu": "l4"}, {"name": "fp8", "precision": "fp8"}]"#,
                                  deployment: #"{"name": "d", "model": "meta-llama/Llama-3.1-70B-Instruct", "gpu": "h100-sxm", "gpus": 4}"#)
        let r = try runWorkload(text, samples: 300)[0]
        #expect(r.whPerQuery.mean > 0 && r.levers.map(\.name) == ["fp8"])
        #expect(r.notes.contains { $0.hasPrefix("lever on l4 not run: ") && $0.contains("does not fit") })
    }

    /// At every boundary the median query's items within it add up to the median, and the
    /// shares are of that figure; the items beyond it are listed without one. All six items were
    /// scaled to the median, so at the gpu boundary the GPU items of a 0.106 Wh median came to
    /// 0.054 Wh, and the shares were of the facility ledger (33 % shown where 63 % is right).
    @Test func theMedianLedgerAddsUpWithinItsBoundary() throws {
        for boundary in Boundary.allCases {
            let text = kernelWorkload(classes: chatClass(input: #"{"lognormal": {"p5": 100, "p95": 4000}}"#),
                                      extra: #""boundary": "\#(boundary.rawValue)", "pue": {"lognormal": {"p5": 1.1, "p95": 1.4}}"#)
            let r = try runWorkload(text, samples: 2000)[0]
            let within = FleetRendering.withinTotal(r.medianLedger, boundary: boundary)
            #expect(approx(within, r.whPerQuery.median, rel: 1e-9), "\(boundary): \(within) vs \(r.whPerQuery.median)")
            #expect(approx(FleetRendering.withinTotal(r.meanLedger, boundary: boundary), r.whPerQuery.mean, rel: 1e-9), "\(boundary)")
            let line = FleetRendering.ledgerLine(r.meanLedger, boundary: boundary)
            #expect(line.contains("facility-overhead") && (boundary == .facility) != line.contains("(outside \(boundary.rawValue))"), "\(line)")
        }
    }

    /// A mix's mean query is its components' means blended as its day blends them, so the mean
    /// times the queries a day is the day (a resampled draw's mean missed it by 6 % on a 50/50
    /// mix); a mix of scenarios reported at different boundaries is refused (it added GPU-only
    /// Wh to facility Wh and called the sum facility).
    @Test func aMixAddsUpAndKeepsToOneBoundary() throws {
        let long = chatClass(input: #"{"lognormal": {"p5": 100, "p95": 8000}}"#, output: #"{"exponential": {"median": 300}}"#)
        func mixText(_ second: String) -> String {
            kernelWorkload(classes: long, scenarioName: "a", more: #"""
            {"name": "b", "kind": "kernel", "queriesPerDay": 1e7\#(second), "deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "precision": "fp8"}], "classes": [\#(long)]},
            {"name": "m", "kind": "mix", "queriesPerDay": 1e8, "mix": [{"scenario": "a", "share": 0.5}, {"scenario": "b", "share": 0.5}]}
            """#)
        }
        let m = try runWorkload(mixText(""), samples: 500)[2]
        #expect(approx(m.whPerQuery.mean * m.queriesPerDay / 1e9, m.gwhPerDay, rel: 1e-9), "\(m.whPerQuery.mean) vs \(m.gwhPerDay)")
        #expect(m.gpus == nil && FleetRendering.scenarioJSON(m)["megawatts"] == .null)
        #expect { try runWorkload(mixText(#", "boundary": "gpu""#), samples: 300) } throws: {
            "\($0)".contains("'scenarios[2].boundary' has value facility; expected gpu, as its part b") && "\($0)".contains("set \"boundary\" on the mix or on its parts")
        }
    }

    /// The hourly facility power integrates to the day's facility energy: a busy replica draws
    /// what its queries' node energy over their occupancy says (one decode step's power left the
    /// chat service's profile 12 % short of its day).
    @Test func theHourlyProfileIntegratesToTheDay() throws {
        let text = kernelWorkload(classes: chatClass(input: #"{"lognormal": {"p5": 100, "p95": 8000}}"#, output: #"{"exponential": {"median": 300}}"#),
                                  extra: #""diurnal": [1,1,1,1,1,2,3,4,5,6,6,6,6,6,6,5,5,4,4,3,3,2,2,1], "pue": 1.2"#)
        let r = try runWorkload(text, samples: 3000)[0]
        #expect(r.hourlyMegawatts.count == 24)
        #expect(approx(r.hourlyMegawatts.reduce(0, +) / 1e3, r.gwhPerDay, rel: 0.002), "\(r.hourlyMegawatts.reduce(0, +) / 1e3) vs \(r.gwhPerDay)")
        #expect(r.hourlyMegawatts.allSatisfy { $0 <= r.facilityMegawatts * (1 + 1e-9) })
    }

    /// A class whose requests the KV cache cannot hold names its scenario, deployment and class
    /// (the error named only the token counts, and `report --all` could not say which workload).
    @Test func aClassThatDoesNotFitIsNamed() throws {
        let text = kernelWorkload(classes: chatClass(input: #"{"fixed": 1000000}"#, output: #"{"fixed": 1000000}"#))
        #expect { try runWorkload(text, samples: 100) } throws: {
            "\($0)".contains("scenario s, deployment d, class chat: its calls do not fit in the KV cache: a sequence holds 1500000 tokens on average while it decodes")
        }
    }

    /// A lever that sets nothing, or a second lever of the same name, is refused (one was
    /// reported as "saves 0 %", the other left two rows a report could not tell apart); a lever
    /// that cuts a class's batch says so beside its cost.
    @Test func leversSayWhatTheyChange() throws {
        let d = #"{"name": "d", "model": "meta-llama/Llama-3.1-70B-Instruct", "gpu": "h100-sxm", "gpus": 4}"#
        #expect { try readWorkload(kernelWorkload(extra: #""levers": [{"name": "nothing"}]"#, deployment: d)) } throws: {
            "\($0)".contains("levers[0]") && "\($0)".contains("a lever that sets one of")
        }
        #expect { try readWorkload(kernelWorkload(extra: #""levers": [{"name": "a", "precision": "fp8"}, {"name": "a", "gpus": 8}]"#, deployment: d)) } throws: {
            "\($0)".contains("levers[1].name") && "\($0)".contains("levers[0].name has it")
        }
        let r = try runWorkload(kernelWorkload(extra: #""levers": [{"name": "fp32", "precision": "fp32"}]"#, deployment: d), samples: 300)[0]
        #expect(r.notes.contains { $0.hasPrefix("lever fp32: class chat runs ") && $0.contains("where the baseline runs") }, "\(r.notes)")
    }

    /// A number outside its range says the range ("expected days" alone did not say that 0.5
    /// is below the least of 1).
    @Test func anOutOfRangeNumberNamesTheRange() throws {
        #expect { try readWorkload(kernelWorkload(extra: #""emissions": {"reportingPeriodDays": 0.5}"#)) } throws: {
            "\($0)".contains("reportingPeriodDays") && "\($0)".contains("expected days from 1 to 36500")
        }
        // A lognormal PUE's 5th percentile states the field's lower bound (it said "positive").
        #expect { try readWorkload(kernelWorkload(extra: #""pue": {"lognormal": {"p5": 0.8, "p95": 1.5}}"#)) } throws: {
            "\($0)".contains("pue.lognormal.p5") && "\($0)".contains("expected a 5th percentile from 1 to 5")
        }
    }

    /// A region asked for by its name suggests its id, and a mix that lists itself is told so
    /// ("unknown scenario 'm'; did you mean 'm'?" before).
    @Test func namesAndSelfReferencesAreAnswered() throws {
        #expect { try readWorkload(kernelWorkload(extra: #""emissions": {"region": "germany"}"#)) } throws: { "\($0)".contains("did you mean 'de'") }
        let selfMix = kernelWorkload(more: #"{"name": "m", "kind": "mix", "queriesPerDay": 1e7, "mix": [{"scenario": "m", "share": 1}]}"#)
        #expect { try readWorkload(selfMix) } throws: { "\($0)".contains("a mix cannot contain itself") }
    }

    /// A mean drawn from too few samples says how far the draws alone may put it: a
    /// heavy-tailed class drawn 100 times put `capacity` 48 % from its 20,000-draw answer silently.
    @Test func aMeanFromFewDrawsSaysHowUncertainItIs() throws {
        let text = kernelWorkload(classes: chatClass(input: #"{"lognormal": {"p5": 100, "p95": 4000}}"#, output: #"{"exponential": {"median": 300}}"#))
        let few = try runWorkload(text, samples: 100)[0], many = try runWorkload(text, samples: 100_000)[0]
        #expect(few.notes.contains { $0.hasPrefix("the mean Wh per query (and GWh a day) is uncertain by ±") && $0.contains("from its 100 draws") })
        #expect(!many.notes.contains { $0.contains("uncertain by ±") })
        let fixed = kernelWorkload()  // one class of fixed lengths: every draw alike
        #expect(try runWorkload(fixed, samples: 3)[0].meanSamplingHalfWidth == 0)
        #expect(try runWorkload(fixed, samples: 1)[0].meanSamplingHalfWidth == nil)
    }

    /// Each class gets its share of the draws, so the day's energy weighs the classes as the
    /// fleet, the hourly profile and the idle energy do: drawn at random per query, 3,000 draws of
    /// the chat service put its hourly profile 4.1 % above its GWh a day.
    @Test func classesAreDrawnInProportionToTheirShares() throws {
        #expect(KernelFleet.drawCounts(shares: [0.7, 0.2, 0.1], samples: 3001) == [2101, 600, 300])
        #expect(KernelFleet.drawCounts(shares: [0.5, 0.5], samples: 3) == [2, 1])
        #expect(KernelFleet.drawCounts(shares: [1, 0], samples: 5) == [5, 0])
        let classes = #"{"name": "short", "share": 0.97, "deployment": "d", "input": {"lognormal": {"p5": 100, "p95": 2000}}, "output": {"fixed": 200}}, "#
            + #"{"name": "long", "share": 0.03, "deployment": "d", "input": {"lognormal": {"p5": 20000, "p95": 60000}}, "output": {"fixed": 500}}"#
        let r = try runWorkload(kernelWorkload(classes: classes), samples: 1000)[0]
        let blended = r.classes.reduce(0) { $0 + $1.share * $1.whPerQuery.mean }
        #expect(abs(blended / r.whPerQuery.mean - 1) < 1e-9, "\(blended) against \(r.whPerQuery.mean)")
        let hourly = r.hourlyMegawatts.reduce(0, +) / 1e3  // GWh over the day's 24 hours
        #expect(abs(hourly / r.gwhPerDay - 1) < 0.01, "\(hourly) against \(r.gwhPerDay)")
        // Too few draws to split by share: the mean still weighs each class by it (at 7 draws a
        // 90/10 mix had read 6/7 and 1/7).
        let few = try runWorkload(kernelWorkload(classes: classes), samples: 7)[0]
        let fewBlend = few.classes.reduce(0) { $0 + $1.share * $1.whPerQuery.mean }
        #expect(abs(fewBlend / few.whPerQuery.mean - 1) < 1e-9, "\(fewBlend) against \(few.whPerQuery.mean)")
    }

    /// Percentiles weigh each draw as the mean does (its class's share over the class's draws): at
    /// 10 draws of a 99/1 % workload the rare class's one draw is 1 % of the queries, not 10 %, so
    /// the P95 is the common class's (it had read 0.927 Wh, 0.55 of the way to the rare draw, for
    /// 0.0297), as at 100 draws; so is the carbon of the P95 query.
    @Test func percentilesWeighTheDrawsAsTheMeanDoes() throws {
        let classes = classJSON("small", share: 0.99, input: "1000", output: "300") + ", " + classJSON("big", share: 0.01, input: "20000", output: "3000")
        let text = kernelWorkload(classes: classes)
        let r = try runWorkload(text, samples: 10)[0]
        #expect(r.classes.map(\.draws) == [9, 1])
        let small = r.classes[0].whPerQuery.mean, big = r.classes[1].whPerQuery.mean
        #expect(big > 10 * small)
        for q in [r.whPerQuery.p5, r.whPerQuery.p25, r.whPerQuery.median, r.whPerQuery.p75, r.whPerQuery.p95] { #expect(approx(q, small), "\(r.whPerQuery)") }
        #expect(approx(r.whPerQuery.mean, 0.99 * small + 0.01 * big))
        let hundred = try runWorkload(text, samples: 100)[0]
        #expect(approx(hundred.whPerQuery.p95, r.whPerQuery.p95) && approx(hundred.whPerQuery.median, r.whPerQuery.median))
        let e = try TestCatalogs.accountant.account(r, settings: EmissionsSettings())
        #expect(approx(e.p95QueryLocationGrams, small / 1000 * e.locationGramsPerKWh))
        // A mix of it weighs its draws too: its mean is the part's (the draws' plain mean had made it 0.9 / 0.1).
        let mixed = try runWorkload(kernelWorkload(classes: classes, more: #"{"name": "m", "kind": "mix", "queriesPerDay": 1e7, "mix": [{"scenario": "s", "share": 1}]}"#), samples: 10)
        #expect(approx(mixed[1].whPerQuery.mean, mixed[0].whPerQuery.mean) && approx(mixed[1].gwhPerDay, mixed[0].gwhPerDay))
    }

    /// The median query's ledger is of the draws about the weighted median: at 3 draws of a 50/50
    /// workload (two of one class, one of the other) the median is halfway between the classes,
    /// where the draws as drawn had put it on the first class, and the band between P45 and P55
    /// that holds no draw takes the two beside the median (its items had all read 0).
    @Test func theMedianLedgerFollowsTheWeightedMedian() throws {
        let text = kernelWorkload(classes: classJSON("a", share: 0.5, input: "1000", output: "200") + ", " + classJSON("b", share: 0.5, input: "4000", output: "200"))
        let r = try runWorkload(text, samples: 3)[0]
        #expect(r.classes.map(\.draws) == [2, 1])
        let a = r.classes[0].whPerQuery.mean, b = r.classes[1].whPerQuery.mean
        #expect(approx(r.whPerQuery.median, (a + b) / 2), "\(r.whPerQuery.median) for \(a) and \(b)")
        #expect(approx(FleetRendering.withinTotal(r.medianLedger, boundary: r.boundary), r.whPerQuery.median))
    }

    /// A class too rare for the draws is named: it is in no figure, not even the fleet's GPUs.
    @Test func aClassWithNoDrawsIsNamed() throws {
        let classes = #"{"name": "common", "share": 0.9999, "deployment": "d", "input": {"fixed": 1000}, "output": {"fixed": 200}}, "#
            + #"{"name": "rare", "share": 0.0001, "deployment": "d", "input": {"fixed": 1000}, "output": {"fixed": 200}}"#
        let r = try runWorkload(kernelWorkload(classes: classes), samples: 1)[0]
        #expect(r.notes.contains("class rare (0.01 % of queries) got none of the 1 draws: Wh per query and GWh a day count its queries at the "
                                 + "other classes' mean, and its replicas are in no GPU, MW or hourly figure; raise samples"), "\(r.notes)")
        #expect(r.undrawnClasses == ["rare"])
        // With a draw to go round, every class with traffic gets one, and the mean weighs it by its share.
        let two = try runWorkload(kernelWorkload(classes: classes), samples: 2)[0]
        #expect(two.undrawnClasses.isEmpty && two.classes.allSatisfy { $0.draws == 1 })
    }

    @Test func sameSeedSameBytesOtherSeedOtherBytes() throws {
        let text = kernelWorkload(classes: chatClass(input: #"{"lognormal": {"p5": 100, "p95": 4000}}"#, output: #"{"exponential": {"median": 300}}"#),
                                  extra: #""pue": {"lognormal": {"p5": 1.1, "p95": 1.4}}"#)
        let w = try readWorkload(text)
        func bytes(_ seed: UInt64) throws -> String {
            JSONWriter(sortKeys: false).write(FleetRendering.json(w, try FleetRunner(dataDirectory: nil).run(w, seed: seed)))
        }
        #expect(try bytes(5) == bytes(5))
        #expect(try bytes(5) != bytes(6))
    }

    @Test func moreOutputIsNeverCheaper() throws {
        var last = 0.0
        for out in [10, 100, 1000, 4000] {
            let r = try runWorkload(kernelWorkload(classes: chatClass(output: #"{"fixed": \#(out)}"#)))[0]
            #expect(r.whPerQuery.median > last, "output \(out)")
            last = r.whPerQuery.median
        }
    }

    /// Distribution tails pass any bound: draws are clamped to the 10-million-token range, so a
    /// far draw can never overflow an Int (the fuzzer found a lognormal that did).
    @Test func tokenDrawsAreClampedToTheFieldRange() {
        #expect(KernelFleet.tokens(1e300, atLeast: 1) == 10_000_000)
        #expect(KernelFleet.tokens(-5, atLeast: 0) == 0)
        #expect(KernelFleet.tokens(0.2, atLeast: 1) == 1)
        #expect(KernelFleet.tokens(211.6, atLeast: 1) == 212)
    }

    @Test func callsLongerThanTheContextWindowAreCountedInANote() throws {
        // Llama-2 holds 4,096 tokens; a 3,000-token prompt with an exponential answer (median 700)
        // runs past it in P(output > 1,096) = 2^(-1096/700) ≈ 34 % of queries.
        let deployment = #"{"name": "d", "model": "meta-llama/Llama-2-7b-hf", "gpu": "h100-sxm"}"#
        let long = try runWorkload(kernelWorkload(classes: chatClass(input: #"{"fixed": 3000}"#, output: #"{"exponential": {"median": 700}}"#),
                                                  deployment: deployment))[0]
        let note = try #require(long.notes.first { $0.contains("context window") })
        #expect(note.contains("4096-token context window of meta-llama/Llama-2-7b-hf"))
        let share = try #require(Double(note.split(separator: " ")[2].dropLast()))
        #expect(abs(share - 100 * pow(2, -1096.0 / 700)) < 4)
        let short = try runWorkload(kernelWorkload(classes: chatClass(), deployment: deployment))[0]
        #expect(!short.notes.contains { $0.contains("context window") })
    }

    /// The median query's ledger adds up to the median and does not hang on one draw: with
    /// lognormal prompts and exponential answers, three seeds give prefill shares within 5 points
    /// (the ledger of the single draw nearest the median moved 30 → 12 % between two runs).
    @Test func theMedianLedgerAddsUpAndIsStableAcrossSeeds() throws {
        let text = kernelWorkload(classes: chatClass(input: #"{"lognormal": {"p5": 100, "p95": 4000}}"#, output: #"{"exponential": {"median": 300}}"#),
                                  extra: #""boundary": "facility", "pue": {"lognormal": {"p5": 1.1, "p95": 1.4}}"#)
        var shares: [Double] = []
        for seed: UInt64 in [1, 2, 3] {
            let r = try runWorkload(text, samples: 4000, seed: seed)[0]
            let total = r.medianLedger.reduce(0) { $0 + $1.energy.wattHours }
            #expect(abs(total / r.whPerQuery.median - 1) < 1e-9)
            #expect(r.medianLedger.allSatisfy { $0.energy.wattHours >= 0 })
            shares.append(r.medianLedger[0].energy.wattHours / total)
        }
        #expect(shares.max()! - shares.min()! < 0.05, "\(shares)")
    }

    @Test func gwhPerDayIsTheMeanTimesQueries() throws {
        let r = try runWorkload(kernelWorkload(classes: chatClass(output: #"{"exponential": {"median": 300}}"#)))[0]
        #expect(approx(r.gwhPerDay, r.whPerQuery.mean * 1e7 / 1e9))
        #expect(r.whPerQuery.mean > r.whPerQuery.median)  // a right-skewed output length
        let meanTotal = r.meanLedger.reduce(0) { $0 + $1.energy.wattHours }
        #expect(approx(meanTotal, r.whPerQuery.mean, rel: 1e-9))
    }

    /// Boundaries nest: the same draws cost more the wider the boundary.
    @Test func boundariesNest() throws {
        let scenarios = Boundary.allCases.map { b in
            #"{"name": "\#(b.rawValue)", "kind": "kernel", "boundary": "\#(b.rawValue)", "sameDrawsAs": "gpu", "queriesPerDay": 1e7, "deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}], "classes": [\#(chatClass())]}"#
                .replacingOccurrences(of: #", "sameDrawsAs": "gpu""#, with: b == .gpu ? "" : #", "sameDrawsAs": "gpu""#)
        }
        let text = #"{"schemaVersion": 1, "description": "b", "samples": 500, "scenarios": [\#(scenarios.joined(separator: ","))]}"#
        let medians = try runWorkload(text).map(\.whPerQuery.median)
        #expect(medians == medians.sorted() && Set(medians).count == medians.count, "\(medians)")
    }

    /// Long reasoning's KV cache lowers the batch, so each output token costs more.
    @Test func longReasoningLowersTheBatchAndRaisesEnergyPerToken() throws {
        let deployment = #"{"name": "d", "model": "Qwen/Qwen3-32B", "gpu": "h100-sxm", "gpus": 1, "maxBatch": 256}"#
        let base = try runWorkload(kernelWorkload(classes: chatClass(output: #"{"fixed": 500}"#), deployment: deployment))[0]
        let long = try runWorkload(kernelWorkload(classes: chatClass(output: #"{"fixed": 500}"#, strategy: #"{"kind": "long-reasoning", "factor": 15}"#),
                                                  deployment: deployment))[0]
        #expect(long.classes[0].effectiveBatch < base.classes[0].effectiveBatch)
        let perTokenBase = base.meanLedger[1].energy.wattHours / 500, perTokenLong = long.meanLedger[1].energy.wattHours / 7500
        #expect(perTokenLong > perTokenBase * 1.2, "\(perTokenLong) vs \(perTokenBase)")
    }

    /// Best-of-N prefills once: cheaper than N independent queries, dearer than one.
    @Test func parallelSamplesShareThePrefill() throws {
        let one = try runWorkload(kernelWorkload(classes: chatClass()))[0].whPerQuery.median
        let eight = try runWorkload(kernelWorkload(classes: chatClass(strategy: #"{"kind": "best-of-n", "n": 8}"#)))[0]
        #expect(eight.whPerQuery.median > one && eight.whPerQuery.median < 8 * one)
        #expect(approx(eight.classes[0].meanOutputTokens, 1600))
    }

    @Test func prefixCacheHitsSaveEnergyInAgentLoops() throws {
        let loop = #"{"kind": "agent-loop", "calls": 6, "toolTokens": 500}"#
        let cold = try runWorkload(kernelWorkload(classes: chatClass(strategy: loop)))[0].whPerQuery.median
        let warm = try runWorkload(kernelWorkload(classes: chatClass(strategy: loop, hit: 0.9)))[0].whPerQuery.median
        let single = try runWorkload(kernelWorkload(classes: chatClass()))[0].whPerQuery.median
        #expect(warm < cold && cold > 6 * single * 0.9)
    }

    /// One round of revision re-reads nothing, whatever its hit: it costs what a single answer
    /// at hit 0 does, draw for draw (its prompt had been 90 % cached, so a revision with the
    /// prefix cache compared its cached prompt with the baseline's full one).
    @Test func aRevisionsHitLeavesItsPromptToBeReadInFull() throws {
        let once = try runWorkload(kernelWorkload(classes: chatClass(strategy: #"{"kind": "sequential-revision", "rounds": 1}"#, hit: 0.9)))[0]
        let single = try runWorkload(kernelWorkload(classes: chatClass()))[0]
        #expect(approx(once.whPerQuery.mean, single.whPerQuery.mean, rel: 1e-12), "\(once.whPerQuery.mean) vs \(single.whPerQuery.mean)")
        let cached = try runWorkload(kernelWorkload(classes: chatClass(hit: 0.9)))[0]
        #expect(cached.whPerQuery.mean < single.whPerQuery.mean, "a single answer's hit is a share of its prompt")
    }

    /// Fleet JSON carries each class's strategy parameters, hit, calls and prefilled and cached
    /// tokens per query, so a strategy's accounting can be checked from the output: an agent loop
    /// of 10 calls on 1,000 + 500 tokens with 1,000 tool tokens prefills 77,500 tokens, and with
    /// 95 % hits its first call still reads its 1,000 in full.
    @Test func fleetJSONCarriesEachClassesTokenAccounting() throws {
        let loop = #"{"kind": "agent-loop", "calls": 10, "toolTokens": 1000}"#
        func json(_ hit: Double) throws -> [String: JSONValue] {
            let r = try runWorkload(kernelWorkload(classes: chatClass(output: #"{"fixed": 500}"#, strategy: loop, hit: hit)), samples: 100)[0]
            guard case let .array(classes) = FleetRendering.scenarioJSON(r)["classes"] ?? .null, case let .object(c) = classes.first ?? .null else { return [:] }
            return Dictionary(uniqueKeysWithValues: c.map { ($0.key, $0.value) })
        }
        let cold = try json(0), warm = try json(0.95)
        #expect(cold["meanCalls"] == JSONValue.number(10), "\(cold)")
        #expect(cold["meanPrefilledTokens"] == JSONValue.number(77_500))
        #expect(cold["meanCachedTokens"] == JSONValue.number(0))
        let parameters: JSONValue = .obj([("calls", .num(10)), ("toolTokens", .num(1000))])
        #expect(cold["strategyParameters"] == parameters)
        #expect(warm["prefixCacheHit"] == JSONValue.number(0.95))
        var cached = 0.0
        // Call k re-reads the prompt, every earlier answer and tool output, and the latest answer
        // (whose KV blocks the cache keeps); only its new tool output is fresh. Whole blocks.
        for k in 1...9 { cached += ((Double(1000 + (k - 1) * 1500 + 500) * 0.95).rounded() / 16).rounded(.down) * 16 }
        #expect(warm["meanCachedTokens"] == JSONValue.number(cached), "\(warm)")
        #expect(warm["meanPrefilledTokens"] == JSONValue.number(77_500 - cached))
    }

    @Test func theDominantUncertainInputRanksFirst() throws {
        let text = kernelWorkload(classes: chatClass(input: #"{"fixed": 500}"#, output: #"{"lognormal": {"p5": 100, "p95": 1000}}"#),
                                  extra: #""pue": {"uniform": {"low": 1.1, "high": 1.12}}"#)
        let r = try runWorkload(text)[0]
        #expect(r.varianceShares.first?.input == "output tokens")
        #expect(r.varianceShares.first.map { $0.share > 0.8 } == true, "\(r.varianceShares)")
    }

    /// Draws come grouped by class, so ties in an input two classes share must not pair each draw
    /// with its own class's: a few-token output, tied across a short and a long class, explained
    /// most of the variance the class did (the chat service's output tokens read 15 %, 10 % with
    /// ties paired at random).
    @Test func tiesAcrossClassesPairAtRandom() throws {
        let short = #"{"name": "short", "share": 0.5, "deployment": "d", "input": {"fixed": 100}, "output": {"exponential": {"median": 3}}}"#
        let long = #"{"name": "long", "share": 0.5, "deployment": "d", "input": {"fixed": 20000}, "output": {"exponential": {"median": 3}}}"#
        let r = try runWorkload(kernelWorkload(classes: short + ", " + long), samples: 2000)[0]
        let shares = Dictionary(uniqueKeysWithValues: r.varianceShares.map { ($0.input, $0.share) })
        #expect(shares["query class"].map { $0 > 0.9 } == true && shares["output tokens"].map { $0 < 0.2 } == true, "\(shares)")
    }

    /// An input that never varies explains none of the variance, and with nothing varying there
    /// is none to explain: fixed lengths were given 100 % each (the shares summed to 200 %), as
    /// was a query class with a share of 0, because every draw tied and Y varied by rounding.
    @Test func inputsThatNeverVaryExplainNothing() throws {
        let fixed = try runWorkload(kernelWorkload(), samples: 500)[0]
        #expect(fixed.varianceShares.allSatisfy { $0.share == 0 }, "\(fixed.varianceShares)")
        let pue = try runWorkload(kernelWorkload(extra: #""pue": {"uniform": {"low": 1.1, "high": 1.3}}"#), samples: 500)[0]
        let shares = Dictionary(uniqueKeysWithValues: pue.varianceShares.map { ($0.input, $0.share) })
        #expect(shares["PUE"].map { $0 > 0.99 } == true && shares["input tokens"] == 0 && shares["output tokens"] == 0, "\(shares)")
        let empty = chatClass().replacingOccurrences(of: #""name": "chat", "share": 1"#, with: #""name": "none", "share": 0"#)
        let classes = try runWorkload(kernelWorkload(classes: chatClass(output: #"{"lognormal": {"p5": 100, "p95": 1000}}"#) + ", " + empty), samples: 500)[0]
        #expect(classes.varianceShares.first { $0.input == "query class" }?.share == 0, "\(classes.varianceShares)")
        #expect(classes.varianceShares.reduce(0) { $0 + $1.share } < 1.05, "\(classes.varianceShares)")
    }

    @Test func fleetIsSizedForThePeakWithHeadroom() throws {
        let flat = try runWorkload(kernelWorkload(extra: #""headroom": 0"#))[0]
        let peaky = try runWorkload(kernelWorkload(extra: #""headroom": 0.5, "diurnal": [0,0,0,0,0,0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0]"#))[0]
        #expect(try #require(peaky.gpus) > 24 * (try #require(flat.gpus)))
        #expect(peaky.idleGWhPerDay > flat.idleGWhPerDay)
    }

    @Test func mechanisticLeversAreRankedBySaving() throws {
        let text = kernelWorkload(extra: #""levers": [{"name": "fp8", "precision": "fp8"}, {"name": "b200", "gpu": "b200"}, {"name": "routing", "divisor": {"fixed": 2}}]"#)
        let r = try runWorkload(text)[0]
        #expect(r.levers.map(\.saving) == r.levers.map(\.saving).sorted(by: >))
        let routing = try #require(r.levers.first { $0.name == "routing" })
        #expect(approx(routing.saving, 0.5, rel: 1e-9))
    }

    /// The serving-platform lever: TensorRT-LLM's decode attention pays no per-sequence time, so
    /// at a large batch it saves energy; an unknown framework lists the known ones.
    @Test func frameworkLeverSavesAtALargeBatch() throws {
        let text = kernelWorkload(extra: #""levers": [{"name": "trt", "framework": "trtllm"}]"#,
                                  deployment: #"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "maxBatch": 256}"#)
        let trt = try #require(try runWorkload(text)[0].levers.first { $0.name == "trt" })
        #expect(trt.saving > 0.02)
        let message = workloadError(kernelWorkload(extra: #""levers": [{"name": "x", "framework": "tensorrt"}]"#))
        #expect(message.contains("trtllm") && message.contains("levers[0].framework"))
    }

    /// The sampler lever: without the sort of the logits a vLLM deployment saves energy, the more
    /// the larger its batch; a deployment already sampling directly saves nothing.
    @Test func samplingLeverSavesTheSortOfTheLogits() throws {
        func saving(_ deployment: String) throws -> Double {
            let text = kernelWorkload(extra: #""levers": [{"name": "direct", "sampling": "direct"}]"#, deployment: deployment)
            return try #require(try runWorkload(text)[0].levers.first { $0.name == "direct" }).saving
        }
        let topP = try saving(#"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "maxBatch": 256}"#)
        #expect(topP > 0.01)
        #expect(try saving(#"{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm", "maxBatch": 256, "sampling": "direct"}"#) == 0)
        let message = workloadError(kernelWorkload(extra: #""levers": [{"name": "x", "sampling": "nucleus"}]"#))
        #expect(message.contains("top-p") && message.contains("levers[0].sampling"))
    }

    /// The refusal names the field and the id; any error at all had passed.
    @Test func unknownLeverGPUNamesTheScenario() {
        #expect { try runWorkload(kernelWorkload(extra: #""levers": [{"name": "x", "gpu": "h900"}]"#)) } throws: { error in
            "\(error)".contains("scenarios[0].levers[0].gpu") && "\(error)".contains("unknown GPU 'h900'")
        }
    }
}
