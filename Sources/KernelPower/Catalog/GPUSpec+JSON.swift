/// Reads and validates `gpus.json` entries.
enum GPUSpecReader {
    /// The values docs/catalog-schema.md lists. The architecture picks the power coefficients
    /// (CarryOver), so an unlisted spelling would change results without a word.
    static let architectures = ["volta", "ampere", "ada", "hopper", "blackwell", "cdna3", "cdna4"]
    static let formFactors = ["sxm", "pcie", "nvl", "superchip", "oam"]
    static let interconnects = ["nvlink2", "nvlink3", "nvlink4", "nvlink5", "pcie4", "pcie5", "infinity-fabric"]
    /// Clocks a table's points may name, as for the clock fields.
    static let clocks = 1.0...10_000.0

    static func readAll(_ root: JSONValue, file: String) throws -> [GPUSpec] {
        var top = try JSONObjectReader(root, file: file, path: "")
        _ = try top.schemaVersion(highest: GPUCatalog.highestSchemaVersion)
        let items = try top.array("gpus")
        try top.finish()
        return try items.enumerated().map { i, v in try read(v, file: file, path: "gpus[\(i)]") }
    }

    static func read(_ value: JSONValue, file: String, path: String) throws -> GPUSpec {
        var o = try JSONObjectReader(value, file: file, path: path)
        let id = try o.nonBlankString("id", expected: "a non-empty id")
        let p = "\(path) (\(id))"
        // Ranges no accelerator leaves, so that a figure in the wrong unit (3.35 for 3.35 TB/s,
        // 80 for 80 GB) is refused instead of estimated (a 1 B/s memory once gave an ITL of 2e13 ms).
        let tflops = 0.1...100_000.0, watts = 10.0...5_000.0
        func bad(_ field: String, _ value: String, _ expected: String) -> InputError {
            .invalidValue(file: file, field: "\(p).\(field)", value: value, expected: expected)
        }
        let boost = try o.double("boostClockMHz", 1...10_000, expected: "a clock in MHz")
        let peakClock = try o.double("peakClockMHz", 1...10_000, expected: "a clock in MHz")
        let base = try o.double("baseClockMHz", 1...10_000, expected: "a clock in MHz")
        guard base <= boost, peakClock <= boost else { throw bad("boostClockMHz", formatNumber(boost), "at least baseClockMHz and peakClockMHz") }
        var peaks: [TensorFormat: FLOPRate] = [:]
        var tp = try o.object("tensorPeakTFLOPS")
        for f in TensorFormat.allCases {
            if let v = try tp.optionalDouble(f.rawValue, tflops, expected: "TFLOPS (0.1 to 1e5; 2.25 PFLOPS is 2250)") { peaks[f] = .teraflopsPerSecond(v) }
        }
        try tp.finish()
        let tdp = try o.double("tdpWatts", watts, expected: "watts per GPU (10 to 5000)")
        let capMin = try o.double("powerCapMinWatts", watts, expected: "watts per GPU (10 to 5000)")
        let capMax = try o.double("powerCapMaxWatts", watts, expected: "watts per GPU (10 to 5000)")
        guard capMin <= capMax else { throw bad("powerCapMinWatts", formatNumber(capMin), "at most powerCapMaxWatts") }
        // The power model never draws more than the TDP, so a higher cap could not be priced.
        guard capMax <= tdp else { throw bad("powerCapMaxWatts", formatNumber(capMax), "at most tdpWatts (\(formatNumber(tdp)))") }
        let idle = try readIdle(try o.object("idlePower"), tdp: tdp)
        let voltage = try o.optionalObject("voltage").map { try readVoltage($0) } ?? VoltageCurve.defaultRule(boost: .megahertz(boost))
        let interconnect = try readInterconnect(try o.object("interconnect"))
        var spec = GPUSpec(
            id: id, aliases: try o.aliases(), name: try o.string("name"),
            vendor: try o.string("vendor", allowed: ["nvidia", "amd"]),
            architecture: try o.choice("architecture", allowed: architectures), formFactor: try o.choice("formFactor", allowed: formFactors),
            smCount: try o.int("smCount", 1...10_000, expected: "a positive SM/CU count"),
            baseClock: .megahertz(base), boostClock: .megahertz(boost), peakClock: .megahertz(peakClock),
            tensorPeaks: peaks,
            fp32Peak: .teraflopsPerSecond(try o.double("fp32TFLOPS", tflops, expected: "TFLOPS (0.1 to 1e5)")),
            memoryCapacity: .bytes(try o.double("hbmCapacityBytes", 1e8...1e13, expected: "bytes (1e8 to 1e13; 80 GB is 8e10)")),
            memoryBandwidth: .bytesPerSecond(try o.double("hbmBandwidthBytesPerSecond", 1e10...1e14, expected: "bytes per second (1e10 to 1e14; 3.35 TB/s is 3.35e12)")),
            l2Size: .bytes(try o.double("l2Bytes", 1e5...1e10, expected: "bytes (1e5 to 1e10; 50 MB is 5e7)")),
            tdp: .watts(tdp), powerCapRange: capMin...capMax, idlePower: idle, voltage: voltage,
            interconnect: interconnect, defaultNodeID: try o.string("defaultNode"),
            source: try o.source(), sources: try o.stringMap("sources"))
        let memory = try o.optionalString("memoryTechnology", allowed: GPUSpec.MemoryTechnology.allCases.map(\.rawValue))
        spec.memoryTechnology = memory.flatMap(GPUSpec.MemoryTechnology.init) ?? .hbm
        spec.serverNodeID = try o.optionalString("serverNode")
        spec.specialFunctionsPerCyclePerSM = try o.optionalDouble("specialFunctionsPerCyclePerSM", 1...1024, expected: "results per clock per SM")
        try o.finish(sources: spec.sources)
        // The value shows the keys given: `{"fp8": 1000}` had been reported as "has value {}",
        // as if the object were empty (2026-12-07 probe).
        if peaks[.bf16] == nil && peaks[.fp16] == nil {
            let given = peaks.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue): \(formatNumber($0.value.teraflopsPerSecond))" }
            throw bad("tensorPeakTFLOPS", "{" + given.joined(separator: ", ") + "} (no bf16 or fp16 key)",
                      "a bf16 or fp16 peak (dense TFLOPS), with or without the other formats")
        }
        return spec
    }

    /// A table of [MHz, value] points: clocks rising within `clocks`, values within `values`.
    static func points(_ items: [JSONValue], file: String, path: String, values: ClosedRange<Double>, expected: String) throws -> PiecewiseLinear {
        var pts: [(x: Double, y: Double)] = []
        for (i, item) in items.enumerated() {
            guard case let .array(pair) = item, pair.count == 2, case let .number(x) = pair[0], case let .number(y) = pair[1] else {
                throw InputError.invalidValue(file: file, field: "\(path)[\(i)]", value: item.shortDescription, expected: "a pair [MHz, value]")
            }
            if let last = pts.last, x <= last.x {
                throw InputError.invalidValue(file: file, field: "\(path)[\(i)]", value: formatNumber(x), expected: "clocks in increasing order")
            }
            guard clocks.contains(x) else {
                throw InputError.invalidValue(file: file, field: "\(path)[\(i)][0]", value: formatNumber(x), expected: "a clock in MHz (1 to 10000)")
            }
            guard values.contains(y) else {
                throw InputError.invalidValue(file: file, field: "\(path)[\(i)][1]", value: formatNumber(y), expected: expected)
            }
            pts.append((x, y))
        }
        guard !pts.isEmpty else { throw InputError.invalidValue(file: file, field: path, value: "[]", expected: "at least one point") }
        return PiecewiseLinear(points: pts)
    }

    /// The values `interconnect.topology` takes (`Interconnect.Topology.name`).
    static let topologies = ["switched", "mesh", "bridged-pairs"]

    /// `interconnect`: kind, bandwidth, and the topology, "switched" when absent (every catalog
    /// written before the field was added describes NVSwitch or single-link parts, or was priced
    /// as one). A mesh gives its `links`; bridged pairs give the bus bandwidth beyond the pair,
    /// below the bridge's (else the bridge would not be the faster path). A field that belongs to
    /// another topology is refused, not ignored.
    static func readInterconnect(_ r: JSONObjectReader) throws -> Interconnect {
        var ic = r
        let kind = try ic.choice("kind", allowed: interconnects)
        let bandwidth = try ic.double("bandwidthBytesPerSecond", 1e8...1e14, expected: "bytes per second (1e8 to 1e14; 900 GB/s is 9e11)")
        let name = ic.has("topology") ? try ic.choice("topology", allowed: topologies) : "switched"
        let beyondKey = "beyondPairBandwidthBytesPerSecond"
        // Every topology's fields are this object's keys: a misspelt one is refused with all of them listed.
        for key in ["topology", "links", beyondKey] { _ = ic.raw(key) }
        for (key, owner) in [("links", "mesh"), (beyondKey, "bridged-pairs")] where name != owner && ic.has(key) {
            throw InputError.invalidValue(file: ic.file, field: ic.fieldPath(key), value: ic.raw(key)?.shortDescription ?? "null",
                                          expected: "no \(key) with topology \(name) (it belongs to topology \(owner))")
        }
        let topology: Interconnect.Topology
        switch name {
        case "mesh":
            topology = .mesh(links: try ic.int("links", 1...64, expected: "point-to-point links per GPU (1 to 64; an 8-GPU full mesh has 7)"))
        case "bridged-pairs":
            let beyond = try ic.double(beyondKey, 1e8...bandwidth,
                                       expected: "bytes per second beyond the pair, at most bandwidthBytesPerSecond (\(formatNumber(bandwidth))); PCIe Gen5 x16 is 1.28e11")
            topology = .bridgedPairs(beyondPair: .bytesPerSecond(beyond))
        default:
            topology = .switched
        }
        try ic.finish()
        return Interconnect(kind: kind, bidirectionalBandwidth: .bytesPerSecond(bandwidth), topology: topology)
    }

    static func readIdle(_ r: JSONObjectReader, tdp: Double) throws -> IdlePowerCurve {
        var o = r
        let kind = try o.string("kind", allowed: ["table", "rule"])
        // A board idles far below its TDP (the bundled parts at 10 to 45 %); an idle near the TDP
        // priced a 700 W part at 733 W, above both its TDP and its power cap.
        let most = tdp / 2, half = "half the TDP (\(formatNumber(tdp / 2)) W)"
        let curve: IdlePowerCurve
        if kind == "table" {
            curve = .table(try points(try o.array("points"), file: o.file, path: "\(o.path).points",
                                      values: 0.1...most, expected: "idle watts from 0.1 to \(half)"))
        } else {
            let lo = try o.double("minWatts", 0.1...most, expected: "watts from 0.1 to \(half)")
            let hi = try o.double("maxWatts", lo...most, expected: "watts from minWatts to \(half)")
            curve = .rule(minWatts: lo, maxWatts: hi)
        }
        try o.finish()
        return curve
    }

    static func readVoltage(_ r: JSONObjectReader) throws -> VoltageCurve {
        var o = r
        let kind = try o.string("kind", allowed: ["table", "rule"])
        let curve: VoltageCurve
        if kind == "table" {
            curve = .table(try points(try o.array("points"), file: o.file, path: "\(o.path).points",
                                      values: 100...2000, expected: "millivolts (100 to 2000, as for the rule form)"))
        } else {
            let lo = try o.double("minMillivolts", 100...2000, expected: "millivolts")
            let hi = try o.double("maxMillivolts", lo...2000, expected: "millivolts, at least minMillivolts")
            let flat = try o.double("flatBelowMHz", 1...10_000, expected: "a clock in MHz")
            curve = .rule(minMillivolts: lo, maxMillivolts: hi, flatBelow: .megahertz(flat))
        }
        try o.finish()
        return curve
    }
}

/// Reads and validates `nodes.json` entries.
enum NodeSpecReader {
    static func readAll(_ root: JSONValue, file: String) throws -> [NodeSpec] {
        var top = try JSONObjectReader(root, file: file, path: "")
        _ = try top.schemaVersion(highest: GPUCatalog.highestSchemaVersion)
        let items = try top.array("nodes")
        try top.finish()
        return try items.enumerated().map { i, v in try read(v, file: file, path: "nodes[\(i)]") }
    }

    static func read(_ v: JSONValue, file: String, path: String) throws -> NodeSpec {
        var o = try JSONObjectReader(v, file: file, path: path)
        let scaleOut = try o.optionalDouble("scaleOutBytesPerSecondPerGPU", 1e6...1e13, expected: "bytes per second per GPU")
        let maxW = try o.double("maxPowerWatts", 1...1e7, expected: "watts")
        let basis = try o.optionalChoice("maxPowerBasis", NodeSpec.MaxPowerBasis.self) ?? .wall
        let idle = try o.double("hostIdleWatts", 0...maxW, expected: "watts below maxPowerWatts")
        let node = NodeSpec(
            id: try o.nonBlankString("id", expected: "a non-empty id"), name: try o.string("name"), gpuID: try o.string("gpu"),
            gpuCount: try o.int("gpuCount", 1...1024, expected: "a positive GPU count"),
            maxPower: .watts(maxW), hostIdlePower: .watts(idle),
            hostActivePower: .watts(try o.double("hostActiveWatts", idle...maxW, expected: "watts between hostIdleWatts and maxPowerWatts")),
            psuEfficiency: try o.optionalDouble("psuEfficiency", 0.5...1, expected: "a fraction between 0.5 and 1") ?? 1,
            source: try o.source(), sources: try o.stringMap("sources"))
        try o.finish(sources: node.sources)
        var withNetwork = node
        withNetwork.maxPowerBasis = basis
        withNetwork.scaleOutBandwidthPerGPU = scaleOut.map { .bytesPerSecond($0) }
        return withNetwork
    }
}
