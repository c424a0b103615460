import Foundation
import KernelPower

/// A fleet's classes in JSON, and each class's own latency in words and table cells.
extension FleetRendering {
    /// One class's JSON. A class without draws has no figures: null, not 0. `deployment` and
    /// `model` say which deployment and model serve it; `interTokenLatencyMs` and
    /// `timeToFirstTokenMs` are its own means (`ClassResult`), which the scenario's keys average.
    static func classJSON(_ c: ClassResult) -> JSONValue {
        func drawn(_ x: Double) -> JSONValue { c.draws > 0 ? .num(x) : .null }
        let pairs: [(String, JSONValue)] = [("name", .str(c.name)), ("strategy", .str(c.strategy)),
                     ("strategyParameters", .obj(c.queryStrategy.parameters.map { ($0.name, .num($0.value)) })),
                     ("prefixCacheHit", .num(c.prefixCacheHit)), ("share", .num(c.share)),
                     ("whPerQuery", c.draws > 0 ? stats(c.whPerQuery) : .null), ("effectiveBatch", .num(Double(c.effectiveBatch))),
                     ("engineBatch", .num(Double(c.engineBatch))), ("engines", .num(Double(c.engines))),
                     ("meanOutputTokens", drawn(c.meanOutputTokens)), ("meanCalls", drawn(c.meanCalls)),
                     ("meanPrefilledTokens", drawn(c.meanPrefilledTokens)), ("meanCachedTokens", drawn(c.meanCachedTokens)),
                     ("overContextShare", drawn(c.overContextShare)), ("kvOverflowShare", drawn(c.kvOverflowShare)),
                     ("samplesInTurnsShare", drawn(c.samplesInTurnsShare)),
                     ("precision", c.precision.map { .str($0.rawValue) } ?? .null),
                     ("kvPrecision", c.kvPrecision.map { .str($0.rawValue) } ?? .null),
                     ("deployment", c.deployment.map(JSONValue.str) ?? JSONValue.null),
                     ("interTokenLatencyMs", .optionalNumber(c.interTokenLatencyMs)),
                     ("timeToFirstTokenMs", .optionalNumber(c.timeToFirstTokenMs))]
        return .obj(pairs)
    }

    /// Whether the text and Markdown give each class's latency: in a sized scenario where more
    /// than one class has draws (with one, the scenario's mean is the class's).
    static func classLatencyShown(_ r: FleetResult) -> Bool {
        r.gpus != nil && r.classes.filter { $0.draws > 0 && ($0.interTokenLatencyMs != nil || $0.timeToFirstTokenMs != nil) }.count > 1
    }

    /// A class's own ITL and TTFT in words ("ITL 63.9 ms, TTFT 209 ms"), nil where it has neither.
    /// The scenario's mean had been the only latency printed, and a class of an agent loop on a
    /// large model ran 17 % slower per token than it said (63.9 against 54.4 ms).
    static func classLatencyWords(_ c: ClassResult) -> String? {
        let parts = [c.interTokenLatencyMs.map { "ITL \(formatNumber($0, significant: 3)) ms" },
                     c.timeToFirstTokenMs.map { "TTFT \(formatNumber($0, significant: 3)) ms" }].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// A class's ITL and TTFT as Markdown cells, "–" for a figure it has not.
    static func classLatencyCells(_ c: ClassResult) -> [String] {
        [c.interTokenLatencyMs, c.timeToFirstTokenMs].map { $0.map { formatNumber($0, significant: 3) } ?? "–" }
    }
}
