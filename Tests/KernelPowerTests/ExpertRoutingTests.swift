import Foundation
import Testing
@testable import KernelPower

/// Expected tiles of a grouped expert GEMM under random routing.
@Suite struct ExpertRoutingTests {
    /// E[⌈X/t⌉] summed over every count, with the probabilities built in log space.
    static func bruteForce(n: Int, p: Double, t: Int) -> Double {
        var sum = 0.0
        for x in 0...n {
            let choose = lgamma(Double(n + 1)) - lgamma(Double(x + 1)) - lgamma(Double(n - x + 1))
            let logP = choose + Double(x) * log(p) + Double(n - x) * log(1 - p)
            sum += exp(logP) * Double((x + t - 1) / t)
        }
        return sum
    }

    @Test(arguments: [(8, 0.25, 16), (129, 0.25, 64), (256, 0.25, 64), (512, 1.0 / 16, 16), (2048, 1.0 / 32, 16),
                      (4096, 0.25, 128), (8192, 0.25, 256), (1, 0.25, 16), (60, 0.5, 32), (500, 0.25, 64), (600, 0.25, 128)])
    func matchesTheBinomialSum(n: Int, p: Double, t: Int) {
        let model = ExpertRouting.expectedCeiling(trials: Double(n), probability: p, divisor: t)
        let exact = Self.bruteForce(n: n, p: p, t: t)
        // Exact below the variance limit; the normal curve above it is within 0.1 %.
        let variance = Double(n) * p * (1 - p)
        #expect(approx(model, exact, rel: variance <= ExpertRouting.exactVarianceLimit ? 1e-9 : 1e-3), "\(model) vs \(exact)")
    }

    /// One more token never removes a tile and adds at most its k rows' tiles (here 2), where the
    /// mean count's edge added a tile to every expert at once (here 8).
    @Test func tilesRiseSmoothlyWithTokens() {
        let routing = { (n: Double) in ExpertRouting(experts: 8, tokens: n, probability: 0.25) }
        var previous = routing(1).expectedTiles(rowsPerTile: 64), largestStep = 0.0
        for n in stride(from: 1.5, through: 2000, by: 0.5) {
            let tiles = routing(n).expectedTiles(rowsPerTile: 64)
            #expect(tiles >= previous * (1 - 1e-7), "\(n) tokens: \(tiles) tiles after \(previous)")
            largestStep = max(largestStep, tiles - previous)
            previous = tiles
        }
        #expect(largestStep <= 1 + 1e-9, "largest step per half token \(largestStep) tiles")
        // At 256 tokens the mean count is one 64-row tile, yet about half the experts get more.
        #expect(approx(routing(256).expectedTiles(rowsPerTile: 64), 8 * 1.47, rel: 0.03))
    }

    /// The rows of the products are the routed assignments, whatever the tile.
    @Test func rowsAreTheAssignments() {
        #expect(approx(ExpertRouting(experts: 16, tokens: 300, probability: 8.0 / 128).rows, 300, rel: 1e-12))
    }
}
