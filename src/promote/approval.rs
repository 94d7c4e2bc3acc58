//! The two-person rule, as data: a promotion request and its reviews are OCI artifacts in the
//! registry (a request's `subject` is the candidate image, a review's the request), so two
//! operators on two jump boxes see the same ones with nothing else to run. This module builds
//! and reads them and judges a request against the target stage's policy; `requests` does the
//! I/O.
//!
//! What the artifacts can vouch for is what push rights to the registry vouch for: a review
//! names its reviewer as the reviewer's own token said, and each operator's audit trail records
//! what they did.

use super::Policy;
use crate::acr::artifacts::{Artifact, Descriptor};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The artifact type (and config media type) of a promotion request.
pub const REQUEST_TYPE: &str = "application/vnd.acrdeck.promotion.request.v1+json";
/// The artifact type of a review (an approval or a rejection) of a request.
pub const REVIEW_TYPE: &str = "application/vnd.acrdeck.promotion.review.v1+json";
/// The annotation that carries the whole record, so the referrers listing is enough to read it.
pub const RECORD_ANNOTATION: &str = "io.acrdeck.promotion.record";

/// Someone, as Entra names them: the object id is what counts, the name is for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub object_id: String,
    pub name: String,
}

/// A promotion asked for: this digest, now under `repository:tag` in the source stage, into the
/// target stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub source_stage: String,
    pub target_stage: String,
    /// Login servers.
    pub source_registry: String,
    pub target_registry: String,
    pub repository: String,
    pub tag: String,
    /// The candidate's digest when it was asked for.
    pub digest: String,
    pub requester: Person,
    pub created: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    pub note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Approve,
    Reject,
}

/// A review of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// The request's id (its manifest's digest).
    pub request: String,
    /// The candidate digest the reviewer saw: an approval counts for this digest only.
    pub digest: String,
    pub decision: Decision,
    pub reviewer: Person,
    pub at: DateTime<Utc>,
    pub note: String,
}

/// A request as found in the registry, with its reviews.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Found {
    /// The request manifest's digest: what `promote approve` and `promote run` take.
    pub id: String,
    /// Where it is kept: login server and repository.
    pub registry: String,
    pub repository: String,
    pub request: Request,
    pub reviews: Vec<Review>,
}

fn artifact<T: Serialize>(kind: &str, record: &T, at: DateTime<Utc>, subject: Descriptor) -> Artifact {
    let json = serde_json::to_string(record).unwrap_or_default();
    Artifact {
        artifact_type: kind.to_string(),
        config: json.clone().into_bytes(),
        subject,
        annotations: BTreeMap::from([
            (RECORD_ANNOTATION.to_string(), json),
            (
                "org.opencontainers.image.created".to_string(),
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ),
        ]),
    }
}

impl Request {
    /// The artifact that asks for it, next to the candidate (`subject`).
    pub fn artifact(&self, candidate: Descriptor) -> Artifact {
        artifact(REQUEST_TYPE, self, self.created, candidate)
    }
}

impl Review {
    /// The artifact that records it, next to the request (`subject`).
    pub fn artifact(&self, request: Descriptor) -> Artifact {
        artifact(REVIEW_TYPE, self, self.at, request)
    }
}

/// Reads a record from a referrer's (or a manifest's) annotations; `None` when it is not one
/// of acrdeck's or does not parse.
pub fn record<T: for<'de> Deserialize<'de>>(annotations: &BTreeMap<String, String>) -> Option<T> {
    serde_json::from_str(annotations.get(RECORD_ANNOTATION)?).ok()
}

/// How the validation gate stands for a candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Validation {
    NotRequired,
    /// A successful run of the task named the digest, recently enough.
    Passed {
        task: String,
        run_id: String,
        at: Option<DateTime<Utc>>,
    },
    /// The task's newest run did not succeed (and none that did named the digest).
    Failed {
        task: String,
        run_id: String,
        status: String,
    },
    /// No successful run of the task names the digest within the age.
    Missing {
        task: String,
        within_hours: i64,
    },
    /// The runs could not be read.
    Unreadable {
        task: String,
        error: String,
    },
}

impl Validation {
    fn blocker(&self) -> Option<String> {
        match self {
            Validation::NotRequired | Validation::Passed { .. } => None,
            Validation::Failed { task, run_id, status } => Some(format!(
                "the validation {task} did not pass: its run {run_id} {status}, and no successful run names this digest"
            )),
            Validation::Missing { task, within_hours } => Some(format!(
                "no successful run of {task} names this digest in the last {within_hours} h: run it first"
            )),
            Validation::Unreadable { task, error } => Some(format!("the runs of {task} could not be read: {error}")),
        }
    }
}

/// Where a request stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum State {
    /// Waiting for approvals (or for the gate).
    Pending {
        approvals: usize,
        needed: usize,
    },
    /// Every rule holds: it may run.
    Approved {
        approvals: usize,
        needed: usize,
    },
    Rejected {
        by: String,
        note: String,
    },
    Expired {
        at: DateTime<Utc>,
    },
    /// The source tag points at another digest now: the request is for an image that is no
    /// longer the candidate.
    Moved {
        now: String,
    },
    /// The target stage has the tag at the request's digest: done.
    Promoted,
}

/// A request judged against the policy: its state, the approvals that count, those that do
/// not (and why), and what else stands in the way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Judgement {
    pub state: State,
    pub counted: Vec<Person>,
    pub not_counted: Vec<(Person, String)>,
    pub blockers: Vec<String>,
    pub validation: Validation,
}

impl Judgement {
    pub fn ready(&self) -> bool {
        matches!(self.state, State::Approved { .. }) && self.blockers.is_empty()
    }

    /// Why it may not run, in one line; `None` when it may.
    pub fn refusal(&self) -> Option<String> {
        let why = match &self.state {
            State::Approved { .. } => return self.blockers.first().cloned(),
            State::Pending { approvals, needed } => format!(
                "it has {approvals} of the {needed} approval(s) it needs from operators other than the requester"
            ),
            State::Rejected { by, note } => format!("{by} rejected it: {note}"),
            State::Expired { at } => format!("it expired at {}; ask again", at.format("%Y-%m-%d %H:%M UTC")),
            State::Moved { now } => format!(
                "the tag has moved to {}; the request was for another image: ask again",
                crate::text::short_hex(now)
            ),
            State::Promoted => "it was promoted already".to_string(),
        };
        Some(match self.blockers.first() {
            Some(b)
                if !matches!(
                    self.state,
                    State::Rejected { .. } | State::Expired { .. } | State::Moved { .. } | State::Promoted
                ) =>
            {
                format!("{why}; and {b}")
            }
            _ => why,
        })
    }
}

/// What the registries say now, for a judgement.
#[derive(Debug, Clone, Default)]
pub struct Now<'a> {
    /// The digest the source tag points at (`None`: unread).
    pub source_tag: Option<&'a str>,
    /// The digest the target stage has under the tag, if any.
    pub target_tag: Option<&'a str>,
}

/// Judges a request against the policy and what the registries say `now`.
pub fn judge(found: &Found, policy: &Policy, seen: Now<'_>, validation: Validation, now: DateTime<Utc>) -> Judgement {
    let tag_digest = seen.source_tag;
    let r = &found.request;
    let mut counted: Vec<Person> = Vec::new();
    let mut not_counted = Vec::new();
    let mut rejected = None;
    let mut reviews: Vec<&Review> = found.reviews.iter().filter(|v| v.request == found.id).collect();
    reviews.sort_by_key(|v| v.at);
    for v in reviews {
        let why = if v.digest != r.digest {
            Some(format!(
                "it approves another digest ({})",
                crate::text::short_hex(&v.digest)
            ))
        } else if v.at > r.expires {
            Some("it came after the request expired".to_string())
        } else {
            None
        };
        match (v.decision, why) {
            (_, Some(why)) => not_counted.push((v.reviewer.clone(), why)),
            (Decision::Reject, None) => rejected = Some(v),
            (Decision::Approve, None) if v.reviewer.object_id == r.requester.object_id => not_counted.push((
                v.reviewer.clone(),
                "the requester cannot approve their own request".into(),
            )),
            (Decision::Approve, None) if counted.iter().any(|p| p.object_id == v.reviewer.object_id) => {
                not_counted.push((v.reviewer.clone(), "the same operator approved twice".into()))
            }
            (Decision::Approve, None) => counted.push(v.reviewer.clone()),
        }
    }
    let needed = policy.approvals as usize;
    let state = if seen.target_tag == Some(r.digest.as_str()) {
        State::Promoted
    } else if let Some(v) = rejected {
        State::Rejected {
            by: v.reviewer.name.clone(),
            note: v.note.clone(),
        }
    } else if now > r.expires {
        State::Expired { at: r.expires }
    } else if let Some(now_digest) = tag_digest.filter(|d| *d != r.digest) {
        State::Moved {
            now: now_digest.to_string(),
        }
    } else if counted.len() >= needed {
        State::Approved {
            approvals: counted.len(),
            needed,
        }
    } else {
        State::Pending {
            approvals: counted.len(),
            needed,
        }
    };
    let mut blockers: Vec<String> = validation.blocker().into_iter().collect();
    if tag_digest.is_none() {
        blockers.push(format!("the source tag {}:{} could not be read", r.repository, r.tag));
    }
    Judgement {
        state,
        counted,
        not_counted,
        blockers,
        validation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn person(id: &str) -> Person {
        Person {
            object_id: id.into(),
            name: format!("op-{id}"),
        }
    }

    fn found(reviews: Vec<Review>) -> Found {
        Found {
            id: "sha256:req".into(),
            registry: "uat.azurecr.io".into(),
            repository: "apps/web".into(),
            request: Request {
                source_stage: "uat".into(),
                target_stage: "prod".into(),
                source_registry: "uat.azurecr.io".into(),
                target_registry: "prod.azurecr.io".into(),
                repository: "apps/web".into(),
                tag: "1.5.0".into(),
                digest: "sha256:aaa".into(),
                requester: person("a"),
                created: at("2026-12-07T10:00:00Z"),
                expires: at("2026-12-08T10:00:00Z"),
                note: "release 1.5".into(),
            },
            reviews,
        }
    }

    fn review(who: &str, decision: Decision, digest: &str, when: &str) -> Review {
        Review {
            request: "sha256:req".into(),
            digest: digest.into(),
            decision,
            reviewer: person(who),
            at: at(when),
            note: "looked".into(),
        }
    }

    fn policy(approvals: u32) -> Policy {
        Policy {
            approvals,
            ..Default::default()
        }
    }

    const NOON: &str = "2026-12-07T12:00:00Z";

    fn seen(source: &str) -> Now<'_> {
        Now {
            source_tag: Some(source),
            target_tag: None,
        }
    }

    #[test]
    fn the_requesters_own_approval_does_not_count_another_operators_does() {
        let f = found(vec![review("a", Decision::Approve, "sha256:aaa", NOON)]);
        let j = judge(&f, &policy(1), seen("sha256:aaa"), Validation::NotRequired, at(NOON));
        assert_eq!(
            j.state,
            State::Pending {
                approvals: 0,
                needed: 1
            }
        );
        assert!(j.not_counted[0].1.contains("own request"));
        assert!(!j.ready() && j.refusal().is_some_and(|r| r.contains("0 of the 1")));

        let f = found(vec![
            review("a", Decision::Approve, "sha256:aaa", NOON),
            review("b", Decision::Approve, "sha256:aaa", NOON),
            review("b", Decision::Approve, "sha256:aaa", NOON),
        ]);
        let j = judge(&f, &policy(1), seen("sha256:aaa"), Validation::NotRequired, at(NOON));
        assert!(j.ready(), "{j:?}");
        assert_eq!(j.counted, vec![person("b")]);
        assert_eq!(
            judge(&f, &policy(2), seen("sha256:aaa"), Validation::NotRequired, at(NOON)).state,
            State::Pending {
                approvals: 1,
                needed: 2
            },
            "the same operator twice is one approval"
        );
    }

    #[test]
    fn another_digest_an_expired_request_a_moved_tag_and_a_rejection_are_refused() {
        let other = found(vec![review("b", Decision::Approve, "sha256:bbb", NOON)]);
        let j = judge(
            &other,
            &policy(1),
            seen("sha256:aaa"),
            Validation::NotRequired,
            at(NOON),
        );
        assert!(!j.ready() && j.not_counted[0].1.contains("another digest"));

        let ok = found(vec![review("b", Decision::Approve, "sha256:aaa", NOON)]);
        let j = judge(
            &ok,
            &policy(1),
            seen("sha256:aaa"),
            Validation::NotRequired,
            at("2026-12-09T00:00:00Z"),
        );
        assert!(matches!(j.state, State::Expired { .. }) && j.refusal().is_some_and(|r| r.contains("expired")));

        let late = found(vec![review(
            "b",
            Decision::Approve,
            "sha256:aaa",
            "2026-12-08T11:00:00Z",
        )]);
        let j = judge(&late, &policy(1), seen("sha256:aaa"), Validation::NotRequired, at(NOON));
        assert!(!j.ready() && j.not_counted[0].1.contains("expired"));

        let j = judge(&ok, &policy(1), seen("sha256:ccc"), Validation::NotRequired, at(NOON));
        assert_eq!(
            j.state,
            State::Moved {
                now: "sha256:ccc".into()
            }
        );
        assert!(j.refusal().is_some_and(|r| r.contains("moved")));

        let no = found(vec![
            review("b", Decision::Approve, "sha256:aaa", NOON),
            review("c", Decision::Reject, "sha256:aaa", NOON),
        ]);
        let j = judge(&no, &policy(1), seen("sha256:aaa"), Validation::NotRequired, at(NOON));
        assert!(matches!(j.state, State::Rejected { .. }) && !j.ready());
    }

    #[test]
    fn a_request_whose_digest_is_in_the_target_is_done() {
        let ok = found(vec![review("b", Decision::Approve, "sha256:aaa", NOON)]);
        let done = Now {
            source_tag: Some("sha256:aaa"),
            target_tag: Some("sha256:aaa"),
        };
        let j = judge(&ok, &policy(1), done, Validation::NotRequired, at(NOON));
        assert_eq!(j.state, State::Promoted);
        assert!(!j.ready() && j.refusal().is_some_and(|r| r.contains("promoted already")));
    }

    #[test]
    fn a_failed_or_missing_validation_blocks_an_approved_request() {
        let ok = found(vec![review("b", Decision::Approve, "sha256:aaa", NOON)]);
        let failed = Validation::Failed {
            task: "validate-base-image".into(),
            run_id: "co3".into(),
            status: "Failed".into(),
        };
        let j = judge(&ok, &policy(1), seen("sha256:aaa"), failed, at(NOON));
        assert!(!j.ready());
        assert!(
            j.refusal()
                .is_some_and(|r| r.contains("validate-base-image") && r.contains("co3"))
        );
        let missing = Validation::Missing {
            task: "validate-base-image".into(),
            within_hours: 168,
        };
        assert!(!judge(&ok, &policy(1), seen("sha256:aaa"), missing, at(NOON)).ready());
    }

    #[test]
    fn records_round_trip_through_their_artifacts_annotations() {
        let f = found(vec![]);
        let subject = Descriptor::of("application/vnd.oci.image.manifest.v1+json", b"{}");
        let a = f.request.artifact(subject);
        assert_eq!(a.artifact_type, REQUEST_TYPE);
        assert_eq!(record::<Request>(&a.annotations), Some(f.request.clone()));
        let v = review("b", Decision::Reject, "sha256:aaa", NOON);
        let a = v.artifact(Descriptor::of(REQUEST_TYPE, b"x"));
        assert_eq!(record::<Review>(&a.annotations), Some(v));
        assert_eq!(record::<Review>(&BTreeMap::new()), None);
    }
}
