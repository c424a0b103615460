/// A server that hosts GPUs: what the wall sees beyond the GPU boards.
public struct NodeSpec: Sendable {
    public let id: String
    public let name: String
    public let gpuID: String
    public let gpuCount: Int
    /// Maximum system power as the catalog gives it (DGX H100: 10.2 kW), at the wall or as a sum
    /// of its parts' DC maxima (`maxPowerBasis`); `maxWallPower` is it at the wall either way.
    public let maxPower: Power
    /// What `maxPower` is measured at (`maxPowerBasis` in nodes.json; `.wall` where not given).
    public var maxPowerBasis: MaxPowerBasis = .wall
    /// Non-GPU power (CPUs, DRAM, NICs, fans, storage) with the GPUs idle.
    public let hostIdlePower: Power
    /// Non-GPU power under inference load.
    public let hostActivePower: Power
    /// AC→DC efficiency of the power supplies at typical load.
    public let psuEfficiency: Double
    /// Scale-out (InfiniBand/Ethernet) bandwidth per GPU and direction, which tensor- and
    /// expert-parallel groups larger than one node cross; nil where the catalog does not know it.
    public var scaleOutBandwidthPerGPU: Bandwidth? = nil
    public let source: String
    public let sources: [String: String]

    public init(id: String, name: String, gpuID: String, gpuCount: Int, maxPower: Power,
                hostIdlePower: Power, hostActivePower: Power, psuEfficiency: Double,
                source: String, sources: [String: String]) {
        self.id = id; self.name = name; self.gpuID = gpuID; self.gpuCount = gpuCount
        self.maxPower = maxPower; self.hostIdlePower = hostIdlePower
        self.hostActivePower = hostActivePower; self.psuEfficiency = psuEfficiency
        self.source = source; self.sources = sources
    }

    public func source(of field: String) -> String { sources[field] ?? source }

    /// Where a node's maximum power is measured. The catalog had mixed the two under one
    /// "rated system maximum": a GH200 node's 1,250 W (a 1,000 W module limit + ~250 W, DC)
    /// read below the 1,263 W `power` gives its worst case at the wall, and an MI355X platform's
    /// 13,600 W (8 × 1,400 W OAM + ~2.4 kW host, DC) below its 13,632 W (2026-12-07 facility probe).
    public enum MaxPowerBasis: String, Sendable, CaseIterable {
        /// An AC input rating at the wall, PSU losses included: a vendor's system maximum
        /// (DGX H100 10.2 kW) or a rack's power rating.
        case wall
        /// A sum of the parts' DC maxima (GPUs, CPUs, memory, NICs, fans), before PSU loss.
        case dc

        /// The basis in words, as `tokenwatt facilities` and `power` print it.
        public var words: String {
            self == .wall ? "rated system maximum, AC at the wall" : "sum of its parts' DC maxima, before PSU loss"
        }
    }

    /// `maxPower` at the wall, where `power`'s worst case and a site's feed are measured: the
    /// rating itself on a wall basis, a DC sum ÷ `psuEfficiency` (GH200 node: 1,250 W DC ÷ 0.95
    /// = 1,316 W).
    public var maxWallPower: Power { maxPowerBasis == .wall ? maxPower : .watts(maxPower.watts / psuEfficiency) }

    /// `maxPower` on the DC side of the PSUs, where the GPUs' TDP is measured: a DC sum itself,
    /// a wall rating × `psuEfficiency`.
    public var maxDCPower: Power { maxPowerBasis == .dc ? maxPower : .watts(maxPower.watts * psuEfficiency) }
}
