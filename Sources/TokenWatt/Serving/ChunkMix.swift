import Foundation

/// Prompt chunks in the steps that carry a share of them: `mean` on average, as `low` = ⌊mean⌋
/// chunks in a share 1 − `highShare` of those steps and `high` = ⌈mean⌉ in `highShare` (the least
/// spread with that mean), or as many as fill the budget when it holds fewer. Rounded to one whole
/// number, 1.78 prompts a step were priced as 1.78 one-chunk steps stacked in one (gpt-oss-20b on
/// a B200 at 1,066 W on a 1,000 W board), and one more output token moved a query's energy by
/// −10 to +43 % where the rounding flipped.
public struct ChunkMix: Sendable, Equatable {
    public let low: Int, high: Int
    /// Share of the carrying steps with `high` chunks: 1 when the mean is whole (`low` = `high`,
    /// so a plan prices one step, not the same one twice).
    public let highShare: Double
    public let mean: Double

    /// `mean` chunks of `chunk` tokens a step, at most as many as the `room` tokens the budget
    /// leaves beside the decodes hold (the scheduler splits a prompt anywhere to fill a step, so a
    /// step of 7,282 free tokens takes 1.78 prompts of 4,096 on average, in steps of one and two).
    public init(mean: Double, chunk: Int, room: Int) {
        let m = min(mean, max(1, Double(room) / Double(max(1, chunk))))
        let whole = Int(m.rounded(.down)), share = m - Double(whole)
        (low, high, highShare, self.mean) = share > 0 ? (whole, whole + 1, share, m) : (whole, whole, 1, m)
    }

    /// What one chunk adds, from what a step of `low` and one of `high` chunks add to the decodes
    /// (`addedLow` is 0 when `low` is).
    public func perChunk(_ addedLow: Double, _ addedHigh: Double) -> Double {
        mean > 0 && low != high ? ((1 - highShare) * addedLow + highShare * addedHigh) / mean : addedHigh / Double(high)
    }

    /// Share of the chunks that run in a step of `high` chunks.
    public var highChunkShare: Double { low == high || mean <= 0 ? 1 : highShare * Double(high) / mean }
}
