//! The weekly review: organisation settings, nominations, timestamped
//! comments, rubric versions, scores, and the event outbox.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Settings,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Calls {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Nominations {
    Table,
    Id,
    OrganisationId,
    RepId,
    Week,
    Slot,
    CallId,
    State,
    SelfReviewedAt,
    SharedAt,
    ManagerReviewedAt,
    DiscussedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    Id,
    OrganisationId,
    CallId,
    AuthorId,
    AuthorRole,
    AtMs,
    EndMs,
    Body,
    Kind,
    ParentId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RubricVersions {
    Table,
    Id,
    OrganisationId,
    Version,
    Criteria,
    PublishedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Scores {
    Table,
    Id,
    OrganisationId,
    NominationId,
    ScorerKind,
    ScorerId,
    RubricVersion,
    Criterion,
    Value,
    Note,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    OrganisationId,
    Kind,
    Payload,
    CreatedAt,
    DeliveredAt,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Organisations::Table)
                    .add_column(json_null(Organisations::Settings))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Nominations::Table)
                    .col(pk_uuid(Nominations::Id))
                    .col(uuid(Nominations::OrganisationId))
                    .col(uuid(Nominations::RepId))
                    .col(string_len(Nominations::Week, 8))
                    .col(string_len(Nominations::Slot, 16))
                    .col(uuid(Nominations::CallId))
                    .col(string_len(Nominations::State, 24))
                    .col(timestamp_with_time_zone_null(Nominations::SelfReviewedAt))
                    .col(timestamp_with_time_zone_null(Nominations::SharedAt))
                    .col(timestamp_with_time_zone_null(Nominations::ManagerReviewedAt))
                    .col(timestamp_with_time_zone_null(Nominations::DiscussedAt))
                    .col(timestamp_with_time_zone(Nominations::CreatedAt))
                    .col(timestamp_with_time_zone(Nominations::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_nominations_rep",
                        (Nominations::Table, Nominations::RepId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_nominations_call",
                        (Nominations::Table, Nominations::CallId),
                        (Calls::Table, Calls::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_nominations_rep_week_slot")
                    .table(Nominations::Table)
                    .col(Nominations::RepId)
                    .col(Nominations::Week)
                    .col(Nominations::Slot)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_nominations_call")
                    .table(Nominations::Table)
                    .col(Nominations::CallId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Comments::Table)
                    .col(pk_uuid(Comments::Id))
                    .col(uuid(Comments::OrganisationId))
                    .col(uuid(Comments::CallId))
                    .col(uuid(Comments::AuthorId))
                    .col(string_len(Comments::AuthorRole, 16))
                    .col(big_integer(Comments::AtMs))
                    .col(big_integer_null(Comments::EndMs))
                    .col(text(Comments::Body))
                    .col(string_len(Comments::Kind, 16))
                    .col(uuid_null(Comments::ParentId))
                    .col(timestamp_with_time_zone(Comments::CreatedAt))
                    .col(timestamp_with_time_zone(Comments::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_comments_call",
                        (Comments::Table, Comments::CallId),
                        (Calls::Table, Calls::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_comments_author",
                        (Comments::Table, Comments::AuthorId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_comments_parent",
                        (Comments::Table, Comments::ParentId),
                        (Comments::Table, Comments::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_comments_call_at")
                    .table(Comments::Table)
                    .col(Comments::CallId)
                    .col(Comments::AtMs)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RubricVersions::Table)
                    .col(pk_uuid(RubricVersions::Id))
                    .col(uuid(RubricVersions::OrganisationId))
                    .col(integer(RubricVersions::Version))
                    .col(json(RubricVersions::Criteria))
                    .col(uuid(RubricVersions::PublishedBy))
                    .col(timestamp_with_time_zone(RubricVersions::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_rubric_versions_org_version")
                    .table(RubricVersions::Table)
                    .col(RubricVersions::OrganisationId)
                    .col(RubricVersions::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Scores::Table)
                    .col(pk_uuid(Scores::Id))
                    .col(uuid(Scores::OrganisationId))
                    .col(uuid(Scores::NominationId))
                    .col(string_len(Scores::ScorerKind, 16))
                    .col(uuid(Scores::ScorerId))
                    .col(integer(Scores::RubricVersion))
                    .col(string_len(Scores::Criterion, 64))
                    .col(integer(Scores::Value))
                    .col(text_null(Scores::Note))
                    .col(timestamp_with_time_zone(Scores::CreatedAt))
                    .col(timestamp_with_time_zone(Scores::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_scores_nomination",
                        (Scores::Table, Scores::NominationId),
                        (Nominations::Table, Nominations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_scores_nomination_kind_criterion")
                    .table(Scores::Table)
                    .col(Scores::NominationId)
                    .col(Scores::ScorerKind)
                    .col(Scores::Criterion)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(pk_uuid(Events::Id))
                    .col(uuid(Events::OrganisationId))
                    .col(string_len(Events::Kind, 64))
                    .col(json(Events::Payload))
                    .col(timestamp_with_time_zone(Events::CreatedAt))
                    .col(timestamp_with_time_zone_null(Events::DeliveredAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_events_undelivered")
                    .table(Events::Table)
                    .col(Events::DeliveredAt)
                    .col(Events::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Events::Table.into_iden(),
            Scores::Table.into_iden(),
            RubricVersions::Table.into_iden(),
            Comments::Table.into_iden(),
            Nominations::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Organisations::Table)
                    .drop_column(Organisations::Settings)
                    .to_owned(),
            )
            .await
    }
}
