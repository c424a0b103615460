/// A server that hosts GPUs: what the wall sees beyond the GPU boards.
public struct NodeSpec: Sendable {
    public let id: String
    public let name: String
    public let gpuID: String
    public let gpuCount: Int
    /// Rated maximum system power (e.g. DGX H100: 10.2 kW).
    public let maxPower: Power
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
}
