/// How `tokenwatt gpus --format json` lists a GPU: a listing, not a catalog entry (its names
/// differ from the catalog's and it leaves out the idle curve; `gpus --help`).
extension GPUSpec {
    /// Its entry in `tokenwatt gpus --format json`: peaks in TFLOPS, memory in bytes, power in
    /// watts, the idle power at the boost clock, and the sources of its numbers.
    public var listingJSON: JSONValue {
        .obj([
            ("id", .str(id)), ("name", .str(name)), ("aliases", .array(aliases.map(JSONValue.str))),
            ("architecture", .str(architecture)), ("smCount", .num(Double(smCount))),
            ("boostClockMHz", .num(boostClock.megahertz)), ("peakClockMHz", .num(peakClock.megahertz)),
            ("tensorPeakTFLOPS", .obj(tensorPeaks.sorted { $0.key.rawValue < $1.key.rawValue }.map { ($0.key.rawValue, .num($0.value.teraflopsPerSecond)) })),
            ("fp32TFLOPS", .num(fp32Peak.teraflopsPerSecond)), ("memoryBytes", .num(memoryCapacity.bytes)),
            ("memoryBandwidthBytesPerSecond", .num(memoryBandwidth.bytesPerSecond)),
            ("memoryTechnology", .str(memoryTechnology.rawValue)), ("l2Bytes", .num(l2Size.bytes)),
            ("tdpWatts", .num(tdp.watts)), ("powerCapRangeWatts", .array([.num(powerCapRange.lowerBound), .num(powerCapRange.upperBound)])),
            ("idleWattsAtBoost", .num(idle(at: boostClock).watts)),
            ("supportedPrecisions", .array(supportedPrecisions.map { .str($0.rawValue) })),
            ("interconnect", interconnect.listingJSON),
            ("defaultNode", .str(defaultNodeID)), ("source", .str(source)),
            ("sources", .obj(sources.sorted { $0.key < $1.key }.map { ($0.key, .str($0.value)) })),
        ] + (serverNodeID.map { [("serverNode", JSONValue.str($0))] } ?? []))
    }
}

extension Interconnect {
    /// The link as the catalog spells it: kind, bandwidth (both directions, per GPU), topology,
    /// and the topology's own field (a mesh's `links`, a bridged pair's bus bandwidth beyond it).
    public var listingJSON: JSONValue {
        var pairs: [(String, JSONValue)] = [("kind", .str(kind)), ("bandwidthBytesPerSecond", .num(bidirectionalBandwidth.bytesPerSecond)),
                                            ("topology", .str(topology.name))]
        switch topology {
        case .switched: break
        case let .mesh(links): pairs.append(("links", .num(Double(links))))
        case let .bridgedPairs(beyond): pairs.append(("beyondPairBandwidthBytesPerSecond", .num(beyond.bytesPerSecond)))
        }
        return .obj(pairs)
    }

    /// The topology in words for a table: "switched", "mesh (7 links)", "bridged pairs (128 GB/s beyond)".
    public var topologyInWords: String {
        switch topology {
        case .switched: return "switched"
        case let .mesh(links): return "mesh (\(links) links)"
        case let .bridgedPairs(beyond): return "bridged pairs (\(formatNumber(beyond.gigabytesPerSecond, significant: 4)) GB/s beyond)"
        }
    }
}
