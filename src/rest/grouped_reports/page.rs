//! A page of groups: the writer's set-up, a page read in the statements the GraphQL page prefetch
//! sends (`PageData::read`), and its groups and reports written out.
use super::*;

impl Writer {
    pub(super) async fn new(state: AppState, viewer: Viewer) -> AppResult<Self> {
        let settings = state.settings();
        let sees_deactivation = viewer.user.as_ref().is_some_and(|v| {
            Privilege::held_by(v, &settings.instance).contains(&Privilege::UsersManageActivationState)
        });
        let proxy_secret = if settings.media_proxy.enabled {
            match crate::domain::media_proxy::secret(&state.db.write).await {
                Ok(secret) => Some(secret),
                Err(err) => {
                    tracing::warn!(error = %err, "media proxy: no signing key");
                    None
                }
            }
        } else {
            None
        };
        let emoji = crate::domain::emoji::index(&settings);
        Ok(Writer { settings, viewer: viewer.user, sees_deactivation, proxy_secret, emoji, state })
    }

    pub(super) fn viewer_id(&self) -> Option<&str> {
        self.viewer.as_ref().map(|v| v.id.as_str())
    }

    pub(super) fn proxied(&self, url: String) -> String {
        match &self.proxy_secret {
            Some(secret) => crate::domain::media_proxy::proxied(&self.settings, secret, &url),
            None => url,
        }
    }

    /// One page's groups as JSON text (after the opening for the first page), and the key to
    /// read the next page after, when there is one.
    pub(super) async fn page(&self, after: Option<&GroupKey>, first: bool) -> AppResult<(Vec<u8>, Option<GroupKey>)> {
        let db = &self.state.db.read;
        // One group more than the page tells whether another page follows.
        let mut groups = domain::grouped_page(db, after, PAGE + 1).await?;
        let more = groups.len() as u64 > PAGE;
        groups.truncate(PAGE as usize);
        let next = if more { groups.last().map(|g| g.key.clone()) } else { None };
        let mut out = Vec::with_capacity(64 * 1024);
        if first {
            out.extend_from_slice(br#"{"reports":["#);
        }
        if groups.is_empty() {
            return Ok((out, next));
        }
        let data = Box::pin(PageData::read(self, &groups)).await?;
        let mut text = Texts::default();
        let mut wrote = !first;
        for group in &groups {
            let Some(latest) = group.reports.first() else { continue };
            let cited = data.cited.get(&latest.id).into_iter().flatten().find(|s| s.status.id == group.key.status);
            let Some(cited) = cited else { continue };
            if wrote {
                out.push(b',');
            }
            wrote = true;
            self.group(&mut out, &data, &mut text, &group.reports, latest, cited)?;
        }
        Ok((out, next))
    }

    /// `{"date", "account", "actors", "reports", "status"}`, the status with `deleted`.
    pub(super) fn group(
        &self,
        out: &mut Vec<u8>,
        data: &PageData,
        text: &mut Texts,
        reports: &[report::Model],
        latest: &report::Model,
        cited: &ReportedStatus,
    ) -> AppResult<()> {
        out.extend_from_slice(br#"{"date":"#);
        json(out, &pleroma_time(&latest.created_at))?;
        out.extend_from_slice(br#","account":"#);
        self.account_or_null(out, data, text, &cited.status.user_id)?;
        out.extend_from_slice(br#","actors":["#);
        let mut seen = HashSet::new();
        let mut comma = false;
        for report in reports {
            if seen.insert(report.actor_id.as_str()) && data.users.contains_key(&report.actor_id) {
                if comma {
                    out.push(b',');
                }
                comma = true;
                self.account_or_null(out, data, text, &report.actor_id)?;
            }
        }
        out.extend_from_slice(br#"],"reports":["#);
        for (i, report) in reports.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            self.report(out, data, text, report)?;
        }
        out.extend_from_slice(br#"],"status":"#);
        let status = text.status(self, data, &latest.id, cited)?;
        // The status's object with `deleted` added last, as Pleroma's `Map.put`.
        out.extend_from_slice(&status.as_bytes()[..status.len() - 1]);
        out.extend_from_slice(if cited.deleted { br#","deleted":true}}"# } else { br#","deleted":false}}"# });
        Ok(())
    }

    pub(super) fn account_or_null(
        &self,
        out: &mut Vec<u8>,
        data: &PageData,
        text: &mut Texts,
        id: &str,
    ) -> AppResult<()> {
        match text.account(self, data, id)? {
            Some(account) => out.extend_from_slice(account.as_bytes()),
            None => out.extend_from_slice(b"null"),
        }
        Ok(())
    }

    /// Pleroma's admin `ReportView`.
    pub(super) fn report(
        &self,
        out: &mut Vec<u8>,
        data: &PageData,
        text: &mut Texts,
        report: &report::Model,
    ) -> AppResult<()> {
        out.extend_from_slice(br#"{"id":"#);
        json(out, &report.id)?;
        out.extend_from_slice(br#","state":"#);
        json(out, &report.state)?;
        out.extend_from_slice(br#","account":"#);
        self.account_or_null(out, data, text, &report.account_id)?;
        out.extend_from_slice(br#","actor":"#);
        self.account_or_null(out, data, text, &report.actor_id)?;
        out.extend_from_slice(br#","content":"#);
        json(out, &report.content)?;
        out.extend_from_slice(br#","created_at":"#);
        json(out, &pleroma_time(&report.created_at))?;
        out.extend_from_slice(br#","statuses":["#);
        for (i, cited) in data.cited.get(&report.id).into_iter().flatten().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(text.status(self, data, &report.id, cited)?.as_bytes());
        }
        out.extend_from_slice(br#"],"notes":["#);
        for (i, note) in data.notes.get(&report.id).into_iter().flatten().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(br#"{"id":"#);
            json(out, &note.id)?;
            out.extend_from_slice(br#","content":"#);
            json(out, &note.content)?;
            out.extend_from_slice(br#","user":"#);
            self.account_or_null(out, data, text, &note.user_id)?;
            out.extend_from_slice(br#","created_at":"#);
            json(out, &pleroma_time(&note.inserted_at))?;
            out.push(b'}');
        }
        out.extend_from_slice(br#"],"rules":"#);
        let ids: Vec<String> = serde_json::from_value(report.rule_ids.clone()).unwrap_or_default();
        let rules: Vec<WireRule<'_>> = ids
            .iter()
            .filter_map(|id| data.rules.get(id))
            .map(|r| WireRule { id: r.id.to_string(), priority: r.priority, text: &r.text, hint: r.hint.as_deref() })
            .collect();
        json(out, &rules)?;
        out.push(b'}');
        Ok(())
    }
}

impl PageData {
    pub(super) async fn read(w: &Writer, groups: &[domain::Group]) -> AppResult<PageData> {
        let db = &w.state.db.read;
        let viewer = w.viewer_id();
        // A report citing several statuses is in several groups: read once.
        let mut seen = HashSet::new();
        let page: Vec<&report::Model> =
            groups.iter().flat_map(|g| g.reports.iter()).filter(|r| seen.insert(r.id.clone())).collect();
        let ids: Vec<String> = page.iter().map(|r| r.id.clone()).collect();
        let rule_ids = sorted(
            page.iter().flat_map(|r| serde_json::from_value::<Vec<String>>(r.rule_ids.clone()).unwrap_or_default()),
        );
        let (cited, notes, rules) = tokio::try_join!(
            domain::statuses_of(db, &ids),
            domain::notes_of(db, &ids),
            crate::domain::rules::by_ids(db, &rule_ids)
        )?;

        // The statuses with their marks: the cited ones and those they link to, a round per
        // nesting level (`prefetch::read_and_feed`). The cited rows are kept (a deleted
        // status's copy).
        let rows: Vec<&status::Model> = cited.values().flatten().map(|s| &s.status).collect();
        let mut loaded: HashMap<String, status::Model> = rows.iter().map(|s| (s.id.clone(), (*s).clone())).collect();
        let mut marked: HashMap<String, MarkedStatus> = HashMap::new();
        let links = |rows: &mut dyn Iterator<Item = &status::Model>| -> Vec<String> {
            rows.flat_map(|s| [s.reblog_of_id.clone(), s.quote_of_id.clone()]).flatten().collect()
        };
        let mut wanted = sorted(rows.iter().map(|s| s.id.clone()).chain(links(&mut rows.iter().copied())));
        for _ in 0..LINK_ROUNDS {
            if wanted.is_empty() {
                break;
            }
            let found = statuses_domain::statuses_with_marks(db, &wanted, viewer).await?;
            for status in &found {
                loaded.entry(status.row.id.clone()).or_insert_with(|| status.row.clone());
            }
            let next = links(&mut found.iter().map(|s| &s.row));
            marked.extend(found.into_iter().map(|s| (s.row.id.clone(), s)));
            wanted = sorted(next.into_iter().filter(|id| !loaded.contains_key(id)));
        }
        let shown: Vec<&status::Model> = loaded.values().collect();
        let posts = sorted(shown.iter().filter(|s| s.reblog_of_id.is_none()).map(|s| s.id.clone()));
        let mut people: Vec<String> = shown.iter().map(|s| s.user_id.clone()).collect();
        people.extend(page.iter().flat_map(|r| [r.account_id.clone(), r.actor_id.clone()]));
        people.extend(notes.values().flatten().map(|n| n.user_id.clone()));
        people.extend(shown.iter().filter_map(|s| s.in_reply_to_user_id.clone()));
        people.extend(posts.iter().filter_map(|id| marked.get(id)).flat_map(|m| m.mentioned.iter().cloned()));
        let people = sorted(people);
        let checked = sorted(shown.iter().flat_map(|s| [s.quote_of_id.clone(), s.in_reply_to_id.clone()]).flatten());
        let having = |has: fn(&MarkedStatus) -> bool| -> Vec<String> {
            posts.iter().filter(|id| marked.get(*id).is_some_and(has)).cloned().collect()
        };
        let (with_media, with_reactions, with_poll) =
            (having(|m| m.with_media), having(|m| m.with_reactions), having(|m| m.with_poll));
        let (found, media, reactions, visible, tallies) = tokio::try_join!(
            async {
                if people.is_empty() {
                    Ok(Vec::new())
                } else {
                    statuses_domain::people(db, &people, viewer).await
                }
            },
            statuses_domain::media_of(db, &with_media),
            favourites::reactions_of(db, &with_reactions),
            async {
                if checked.is_empty() {
                    Ok(HashSet::new())
                } else {
                    statuses_domain::visible_ids(db, viewer, &checked).await
                }
            },
            async { polls::tallies(db, &with_poll).await },
        )?;
        let reacted = reactions.values().any(|groups| !groups.is_empty());
        let polled = sorted(tallies.keys().cloned());
        let (hidden, votes) = match viewer {
            Some(viewer) => tokio::try_join!(
                async {
                    if reacted {
                        favourites::blocks_and_mutes(db, viewer).await.map(Some)
                    } else {
                        Ok(None)
                    }
                },
                async {
                    if polled.is_empty() {
                        Ok(HashMap::new())
                    } else {
                        polls::own_votes(db, viewer, &polled).await
                    }
                },
            )?,
            None => (None, HashMap::new()),
        };
        let mut users = HashMap::new();
        let mut tags = HashMap::new();
        let mut muted = HashSet::new();
        for person in found {
            if person.muted {
                muted.insert(person.user.id.clone());
            }
            tags.insert(person.user.id.clone(), person.tags);
            users.insert(person.user.id.clone(), person.user);
        }
        Ok(PageData {
            cited,
            notes,
            rules,
            loaded,
            marked,
            users,
            tags,
            muted,
            media,
            reactions,
            visible,
            tallies,
            votes,
            hidden,
        })
    }
}
