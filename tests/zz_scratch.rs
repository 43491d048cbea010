#[test]
fn scratch() {
    let case = std::env::var("CASE").unwrap();
    let rule = vouch::assumptions::rule(case.split('/').next().unwrap()).unwrap();
    let dir = std::path::Path::new("fixtures/assumptions").join(&case);
    let path = dir.join("doc.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let doc = vouch::claims::read_document("doc.md", &text, false);
    println!("components {:?}", doc.components);
    for lang in ["terraform", "cloudformation"] {
        let scan = vouch::scan(&dir.join(lang), &Default::default());
        for c in vouch::claims::detect(&doc, &rule.claims) {
            println!("{lang} {:?} {} {:?}", c.polarity, c.text, c.components);
            for comp in &c.components {
                let r: Vec<_> = vouch::claims::resolve_component(&scan.model, comp, &[]).iter().map(|&i| scan.model.resources[i].address.clone()).collect();
                println!("   {comp} -> {r:?}");
            }
        }
        let (rep, _) = vouch::assess(&scan, &dir.join(lang), &vouch::AssessOptions { docs: vec![path.clone()], answers: None, only: vec![rule.id.clone()] });
        for e in &rep.assumptions[0].evidence { println!("   ev {} {} {}", e.resource, e.outcome, e.detail); }
    }
}
