import Foundation
import Testing
@testable import KernelPower

/// Every Blackwell HBM part takes its bandwidth by one derivation, bus width × memory clock: the
/// B200 took the driver's 7680-bit bus × 3,996 MHz (7.67 TB/s) and set NVIDIA's 8 TB/s aside,
/// while the GB200 and GB300, at the same 3,996 MHz in their nvidia-smi captures, took NVIDIA's
/// 8 TB/s. The bus width is the share of the 8 × 1024-bit interface the exposed HBM implies,
/// which is the driver's 7680 bits on the B200 (180 of 192 GB) and B300 (270 of 288 GB).
@Suite struct BlackwellBandwidthTests {
    /// Exposed GB (the catalog's `hbmCapacityBytes` ÷ 2^30) over the physical HBM3E, per part
    /// (the physical sizes are those the catalog's sources give: 192 GB B200/GB200, 288 GB B300/GB300).
    @Test(arguments: [("b200", 192.0), ("gb200", 192.0), ("b300", 288.0), ("gb300", 288.0)])
    func bandwidthIsBusWidthTimesMemoryClock(_ id: String, physicalGB: Double) throws {
        let g = try GPUCatalog.bundled.gpu(id)
        let exposedGB = g.memoryCapacity.bytes / 1_073_741_824
        let busBits = 8192 * exposedGB / physicalGB
        let derived = busBits * 3996e6 * 2 / 8
        // Taken to 0.1 TB/s, as the B200's 7.67 is taken as 7.7.
        #expect(abs(g.memoryBandwidth.bytesPerSecond - (derived / 1e11).rounded() * 1e11) < 1e9, "\(id): \(g.memoryBandwidth.bytesPerSecond) against \(derived)")
        #expect(g.sources["hbmBandwidthBytesPerSecond"]?.contains("3996 MHz") == true)
    }
}
