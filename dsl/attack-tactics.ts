// The MITRE ATT&CK Enterprise tactics, by id and by name, as MITRE publishes them, to name the tactics of an Insight.

/** One ATT&CK tactic: its id, its current name, and names it was published under before. */
export interface AttackTactic {
  id: string;
  name: string;
  formerNames?: readonly string[];
}

/**
 * The Enterprise tactics of mitre/cti (enterprise-attack/x-mitre-tactic/*.json, commit
 * 8543c5b05bd9bbcace9fc37f30bba96b675b6f33): `name` and `external_references[].external_id` of
 * each x-mitre-tactic object. ATT&CK v19 renamed TA0005 from "Defense Evasion" to "Stealth" and
 * added TA0112 "Defense Impairment"; Cloud SIEM Signals still carry the older name in `stage`,
 * so the former name is kept to recognise it.
 */
export const ATTACK_TACTICS: readonly AttackTactic[] = [
  { id: 'TA0043', name: 'Reconnaissance' },
  { id: 'TA0042', name: 'Resource Development' },
  { id: 'TA0001', name: 'Initial Access' },
  { id: 'TA0002', name: 'Execution' },
  { id: 'TA0003', name: 'Persistence' },
  { id: 'TA0004', name: 'Privilege Escalation' },
  { id: 'TA0005', name: 'Stealth', formerNames: ['Defense Evasion'] },
  { id: 'TA0112', name: 'Defense Impairment' },
  { id: 'TA0006', name: 'Credential Access' },
  { id: 'TA0007', name: 'Discovery' },
  { id: 'TA0008', name: 'Lateral Movement' },
  { id: 'TA0009', name: 'Collection' },
  { id: 'TA0011', name: 'Command and Control' },
  { id: 'TA0010', name: 'Exfiltration' },
  { id: 'TA0040', name: 'Impact' },
];

const byId = new Map(ATTACK_TACTICS.map((t) => [t.id, t]));
const byName = new Map(ATTACK_TACTICS.flatMap((t) => [t.name, ...(t.formerNames ?? [])].map((n) => [n.toLowerCase(), t] as const)));

/** The tactic with this id (`TA0001`), if ATT&CK Enterprise has it. */
export function tacticById(id: string): AttackTactic | undefined {
  return byId.get(id.toUpperCase());
}

/** The tactic with this name, current or former, ignoring case ("initial access"). */
export function tacticByName(name: string): AttackTactic | undefined {
  return byName.get(name.trim().toLowerCase());
}
