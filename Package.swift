// swift-tools-version:6.0
import PackageDescription

// The estimator's numerical code is optimised even in debug builds: `swift test` re-runs the
// built-in calibration (thousands of pass estimates): 300 s unoptimised, 22 s with -O.
let optimized: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "TokenWatt",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "KernelPower", targets: ["KernelPower"]),
        .library(name: "TokenWatt", targets: ["TokenWatt"]),
        .executable(name: "tokenwatt", targets: ["tokenwatt"]),
    ],
    targets: [
        .target(
            name: "KernelPower",
            resources: [.copy("Resources/gpus.json"), .copy("Resources/nodes.json"),
                        .copy("Resources/coefficients.json")],
            swiftSettings: optimized
        ),
        .target(
            name: "TokenWatt",
            dependencies: ["KernelPower"],
            resources: [.copy("Resources/models.json"), .copy("Resources/grids.json"), .copy("Resources/facilities.json"),
                        .copy("Resources/gemm-throughput.json"), .copy("Resources/attention-throughput.json"), .copy("Resources/serving-energy.json"),
                        .copy("Resources/error-bands.json"), .copy("Resources/serving-refits.json"), .copy("Resources/roofline-power.json"),
                        .copy("Resources/layer-op-times.json"), .copy("Resources/weight-only-speedup.json")],
            swiftSettings: optimized
        ),
        .executableTarget(name: "tokenwatt", dependencies: ["TokenWatt", "KernelPower"]),
        .testTarget(name: "KernelPowerTests", dependencies: ["KernelPower"]),
        .testTarget(name: "TokenWattTests", dependencies: ["TokenWatt", "KernelPower"]),
        .testTarget(name: "tokenwattCLITests", dependencies: ["TokenWatt"]),
    ]
)
