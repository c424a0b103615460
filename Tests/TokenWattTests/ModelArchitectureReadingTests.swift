import KernelPower
import Testing
@testable import TokenWatt

/// The parts `ModelArchitectureReader.read` hands on (`readLayerKinds`, `checkCombinations`):
/// `read` had held them in its 67 lines.
@Suite struct ModelArchitectureReadingTests {
    @Test func layerKindsAreCountsUpToTheLayers() throws {
        func kinds(_ text: String) throws -> [String: Int] {
            let reader = try JSONObjectReader(try JSONParser.parse(text, file: "m.json"), file: "m.json", path: "models[0].layerKinds")
            return try ModelArchitectureReader.readLayerKinds(reader, layers: 32)
        }
        #expect(try kinds(#"{"linear_attention": 24, "full_attention": 8}"#) == ["linear_attention": 24, "full_attention": 8])
        let past = #expect(throws: InputError.self) { try kinds(#"{"linear_attention": 33}"#) }
        #expect("\(String(describing: past))".contains("models[0].layerKinds.linear_attention"), "\(String(describing: past))")
    }

    @Test func combinationsNotModelledAreRefusedNamingTheField() throws {
        func refusal(_ m: ModelArchitecture) -> String? {
            do { try ModelArchitectureReader.checkCombinations(m, file: "m.json", path: "models[0]"); return nil } catch { return "\(error)" }
        }
        let dense = try ModelCatalog.bundled.model("meta-llama/Llama-3.1-8B-Instruct")
        #expect(refusal(dense) == nil)
        var sparse = dense
        sparse.attention.blockSparse = ModelArchitecture.BlockSparse(blockSize: 64, localBlocks: 4, verticalStride: 8, layers: 33)
        #expect(refusal(sparse)?.contains("models[0].attention.blockSparse.layers") == true, "\(String(describing: refusal(sparse)))")
        sparse.attention.blockSparse?.layers = 16
        #expect(refusal(sparse) == nil)
        var routed = try ModelCatalog.bundled.model("Qwen/Qwen3-30B-A3B")
        routed.moe?.expertsPerToken = 129
        #expect(refusal(routed)?.contains("models[0].moe.expertsPerToken") == true, "\(String(describing: refusal(routed)))")
    }
}
