import Foundation
import KernelPower
import Testing
@testable import TokenWatt

/// A price and its currency are one unit, and a currency is an ISO 4217 code, as a FinOps probe
/// on 2026-12-07 found neither: a scenario that set only `currency: EUR` relabelled the
/// workload's 0.12 USD/kWh as 0.12 EUR/kWh with no word, a currency with no price anywhere was
/// dropped silently, `eur` and `EUR` were two currencies, and `<b>X</b>` went raw into Markdown.
@Suite struct CurrencyTests {
    /// A kernel workload whose own `emissions` is `top` (JSON text, "" for none), its one
    /// scenario's `scenario`.
    func workload(top: String, scenario: String = "") -> String {
        let text = kernelWorkload(extra: scenario.isEmpty ? "" : #""emissions": \#(scenario)"#)
        return top.isEmpty ? text : text.replacingOccurrences(of: #""scenarios": ["#, with: #""emissions": \#(top), "scenarios": ["#)
    }

    /// fo-curonly.json: the scenario's currency alone over an inherited price is refused, naming
    /// the field and the price's own currency; restating that currency, or setting a price
    /// beside a new one, stands.
    @Test func aScenarioCannotRelabelThePriceItInherits() throws {
        let top = #"{"region": "aws-us-east-1", "pricePerKWh": 0.12, "currency": "USD"}"#
        let message = workloadError(workload(top: top, scenario: #"{"currency": "EUR"}"#))
        #expect(message.contains("scenarios[0].emissions.currency") && message.contains("EUR"), "\(message)")
        #expect(message.contains("pricePerKWh 0.12 is USD per kWh") && message.contains("set pricePerKWh beside currency"), "\(message)")
        // Moving region too (fo-inh.json's eu-eur) is no excuse.
        #expect(workloadError(workload(top: top, scenario: #"{"region": "azure-westeurope", "currency": "EUR"}"#))
            .contains("scenarios[0].emissions.currency"))
        let restated = try #require(try readWorkload(workload(top: top, scenario: #"{"currency": "usd"}"#)).scenarios[0].emissions)
        #expect(restated.pricePerKWh == 0.12 && restated.currency == "USD")
        let own = try #require(try readWorkload(workload(top: top, scenario: #"{"pricePerKWh": 0.2, "currency": "EUR"}"#)).scenarios[0].emissions)
        #expect(own.pricePerKWh == 0.2 && own.currency == "EUR")
    }

    /// A scenario on another region that inherits the price is told the price with its currency
    /// (the note had named `pricePerKWh` alone).
    @Test func theInheritedPriceNoteNamesItsCurrency() throws {
        let w = try readWorkload(workload(top: #"{"region": "aws-us-east-1", "pricePerKWh": 0.12, "currency": "USD"}"#,
                                          scenario: #"{"region": "azure-westeurope"}"#))
        let notes = try #require(w.scenarios[0].emissions).notes
        #expect(notes.contains { $0.contains("`pricePerKWh` with its `currency` (0.12 USD/kWh)") }, "\(notes)")
    }

    /// fo-noprice.json: a currency that no price anywhere uses is refused where it is given; a
    /// workload's currency that a scenario's price takes stands.
    @Test func aCurrencyWithoutAPriceIsRefused() throws {
        let top = workloadError(workload(top: #"{"region": "aws-us-east-1", "currency": "EUR"}"#))
        #expect(top.contains("emissions.currency") && top.contains("neither the workload nor any scenario sets pricePerKWh"), "\(top)")
        let scenario = workloadError(workload(top: #"{"region": "de"}"#, scenario: #"{"currency": "EUR"}"#))
        #expect(scenario.contains("scenarios[0].emissions.currency") && scenario.contains("no pricePerKWh, its own or the workload's"), "\(scenario)")
        let priced = try #require(try readWorkload(workload(top: #"{"currency": "EUR"}"#, scenario: #"{"pricePerKWh": 0.2}"#)).scenarios[0].emissions)
        #expect(priced.pricePerKWh == 0.2 && priced.currency == "EUR")
    }

    /// ISO 4217 codes are three letters A–Z: lower case is read as upper, anything else
    /// (markup, symbols, other lengths) is refused with the field and the expected form.
    @Test(arguments: ["<b>X</b>", "US", "USDX", "€", "U$D", "ÉUR", "12 3"])
    func aCurrencyIsAThreeLetterCode(_ currency: String) throws {
        let message = workloadError(workload(top: #"{"pricePerKWh": 0.1, "currency": "\#(currency)"}"#))
        #expect(message.contains("emissions.currency") && message.contains("three letters A–Z"), "\(message)")
    }

    @Test func aLowerCaseCurrencyIsUpperCased() throws {
        #expect(try readWorkload(workload(top: #"{"pricePerKWh": 0.1, "currency": "eur"}"#)).emissions.currency == "EUR")
        #expect(EmissionsSettings.currencyCode("Chf") == "CHF" && EmissionsSettings.currencyCode("<b>") == nil)
    }

    /// fo-case.json: parts in `EUR` and `eur` are one currency, so their mix has a cost (it had
    /// printed "no electricity cost: … different currencies (EUR, eur)").
    @Test func aMixOfOneCurrencyInTwoCasesHasACost() throws {
        let part = #"{"name": "b", "kind": "kernel", "queriesPerDay": 1e7, "emissions": {"pricePerKWh": 0.2, "currency": "eur"}, "#
            + #""deployments": [{"name": "d", "model": "meta-llama/Llama-3.1-8B-Instruct", "gpu": "h100-sxm"}], "classes": [\#(chatClass())]}"#
        let mix = #"{"name": "m", "kind": "mix", "queriesPerDay": 2e7, "mix": [{"scenario": "a", "share": 0.5}, {"scenario": "b", "share": 0.5}]}"#
        let text = kernelWorkload(extra: #""emissions": {"pricePerKWh": 0.1, "currency": "EUR"}"#, scenarioName: "a", more: part + ", " + mix)
        let r = try WorkloadReport.build(try readWorkload(text), name: "m", source: "w.json", runner: FleetRunner(dataDirectory: nil), samples: 200)
        let (a, b, m) = (r.scenarios[0].emissions, r.scenarios[1].emissions, r.scenarios[2].emissions)
        #expect(m.currency == "EUR" && !m.notes.contains { $0.contains("different currencies") }, "\(m.notes)")
        #expect(approx(try #require(m.perQuery.cost), (try #require(a.perQuery.cost) + (try #require(b.perQuery.cost))) / 2, rel: 1e-9))
    }
}
