//! The MITRE ATT&CK techniques the built-in hunts cite: their names and tactics, and the
//! ASFF finding-type category each tactic falls in.
//!
//! Source: MITRE ATT&CK Enterprise (<https://attack.mitre.org/techniques/enterprise/>) for
//! names and tactics; the ASFF types taxonomy ("Types taxonomy for ASFF" in the Security Hub
//! user guide) for `namespace/category`.

/// One technique: id, name, and the tactic hunts cite it for (a technique can serve
/// several tactics; the one that matches flow-log evidence is kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Technique {
    /// `T1046`, or `T1595.001` for a sub-technique.
    pub id: &'static str,
    pub name: &'static str,
    /// `TA0007`
    pub tactic_id: &'static str,
    pub tactic: &'static str,
}

const fn t(
    id: &'static str,
    name: &'static str,
    tactic_id: &'static str,
    tactic: &'static str,
) -> Technique {
    Technique {
        id,
        name,
        tactic_id,
        tactic,
    }
}

const RECON: (&str, &str) = ("TA0043", "Reconnaissance");
const DISCOVERY: (&str, &str) = ("TA0007", "Discovery");
const C2: (&str, &str) = ("TA0011", "Command and Control");
const IMPACT: (&str, &str) = ("TA0040", "Impact");
const EXFIL: (&str, &str) = ("TA0010", "Exfiltration");
const LATERAL: (&str, &str) = ("TA0008", "Lateral Movement");
const CREDS: (&str, &str) = ("TA0006", "Credential Access");
const INITIAL: (&str, &str) = ("TA0001", "Initial Access");

/// Every technique a built-in hunt cites.
pub const TECHNIQUES: &[Technique] = &[
    t("T1021", "Remote Services", LATERAL.0, LATERAL.1),
    t("T1030", "Data Transfer Size Limits", EXFIL.0, EXFIL.1),
    t("T1041", "Exfiltration Over C2 Channel", EXFIL.0, EXFIL.1),
    t(
        "T1046",
        "Network Service Discovery",
        DISCOVERY.0,
        DISCOVERY.1,
    ),
    t(
        "T1048",
        "Exfiltration Over Alternative Protocol",
        EXFIL.0,
        EXFIL.1,
    ),
    t("T1071", "Application Layer Protocol", C2.0, C2.1),
    t("T1071.004", "Application Layer Protocol: DNS", C2.0, C2.1),
    t("T1090.003", "Proxy: Multi-hop Proxy", C2.0, C2.1),
    t("T1110", "Brute Force", CREDS.0, CREDS.1),
    t("T1133", "External Remote Services", INITIAL.0, INITIAL.1),
    t("T1496", "Resource Hijacking", IMPACT.0, IMPACT.1),
    t("T1498", "Network Denial of Service", IMPACT.0, IMPACT.1),
    t("T1568", "Dynamic Resolution", C2.0, C2.1),
    t("T1570", "Lateral Tool Transfer", LATERAL.0, LATERAL.1),
    t("T1571", "Non-Standard Port", C2.0, C2.1),
    t("T1572", "Protocol Tunneling", C2.0, C2.1),
    t("T1573", "Encrypted Channel", C2.0, C2.1),
    t("T1595", "Active Scanning", RECON.0, RECON.1),
    t(
        "T1595.001",
        "Active Scanning: Scanning IP Blocks",
        RECON.0,
        RECON.1,
    ),
];

/// The technique `id` names, if a built-in hunt cites it.
pub fn technique(id: &str) -> Option<&'static Technique> {
    TECHNIQUES.iter().find(|t| t.id == id)
}

/// The ASFF `namespace/category` of a finding: GuardDuty's `Behavior:` findings are unusual
/// behaviour of an instance; otherwise the tactic of the first technique decides (denial of
/// service, resource hijacking and exfiltration are ASFF *Effects*; the rest TTPs).
pub fn asff_category(techniques: &[String], guardduty: &[String]) -> &'static str {
    if guardduty.iter().any(|g| g.starts_with("Behavior:")) {
        return "Unusual Behaviors/VM";
    }
    let Some(first) = techniques.first() else {
        return "Unusual Behaviors/Network Flow";
    };
    match first.as_str() {
        "T1498" => "Effects/Denial of Service",
        "T1496" => "Effects/Resource Consumption",
        _ => match technique(first).map(|t| t.tactic_id) {
            Some("TA0010") => "Effects/Data Exfiltration",
            Some("TA0011") => "TTPs/Command and Control",
            Some("TA0008") => "TTPs/Lateral Movement",
            Some("TA0006") => "TTPs/Credential Access",
            Some("TA0001") => "TTPs/Initial Access",
            // ASFF has no Reconnaissance category: scanning is Discovery there, as in
            // GuardDuty's own `TTPs/Discovery/Recon:EC2-Portscan`.
            Some("TA0007" | "TA0043") => "TTPs/Discovery",
            _ => "Unusual Behaviors/Network Flow",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_technique_a_built_in_hunt_cites_is_known() {
        let lib = flowlake_query::Library::load(&[]).unwrap();
        for h in lib.iter() {
            for id in &h.mitre {
                assert!(technique(id).is_some(), "{}: {id} has no name here", h.name);
            }
        }
    }

    #[test]
    fn categories_follow_the_tactic() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_string()).collect::<Vec<_>>();
        assert_eq!(asff_category(&s(&["T1046"]), &[]), "TTPs/Discovery");
        assert_eq!(
            asff_category(&s(&["T1498"]), &[]),
            "Effects/Denial of Service"
        );
        assert_eq!(
            asff_category(&s(&["T1571"]), &s(&["Behavior:EC2/NetworkPortUnusual"])),
            "Unusual Behaviors/VM"
        );
        assert_eq!(asff_category(&[], &[]), "Unusual Behaviors/Network Flow");
    }
}
