//! The weekly 1:1: recurring series, occurrences, the clip segment, action
//! items, and the rep's focus skill.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OneOnOneSeries {
    Table,
    Id,
    OrganisationId,
    ManagerId,
    RepId,
    Weekday,
    LocalTime,
    DurationMinutes,
    Timezone,
    Agenda,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OneOnOnes {
    Table,
    Id,
    OrganisationId,
    SeriesId,
    ManagerId,
    RepId,
    Week,
    ScheduledAt,
    DurationMinutes,
    Status,
    Notes,
    HeldAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Clips {
    Table,
    Id,
    OrganisationId,
    OneOnOneId,
    Position,
    CallId,
    StartMs,
    EndMs,
    CommentId,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ActionItems {
    Table,
    Id,
    OrganisationId,
    OneOnOneId,
    Text,
    OwnerId,
    DueDate,
    DoneAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FocusSkills {
    Table,
    Id,
    OrganisationId,
    RepId,
    Criterion,
    Diagnosis,
    PrescriptionKind,
    PrescriptionText,
    TargetScore,
    Status,
    StartedAt,
    EndedAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Nominations {
    Table,
    FocusId,
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

fn cascade(
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
            .create_table(
                Table::create()
                    .table(OneOnOneSeries::Table)
                    .col(pk_uuid(OneOnOneSeries::Id))
                    .col(uuid(OneOnOneSeries::OrganisationId))
                    .col(uuid(OneOnOneSeries::ManagerId))
                    .col(uuid(OneOnOneSeries::RepId))
                    .col(string_len(OneOnOneSeries::Weekday, 16))
                    .col(string_len(OneOnOneSeries::LocalTime, 5))
                    .col(integer(OneOnOneSeries::DurationMinutes))
                    .col(string_len(OneOnOneSeries::Timezone, 64))
                    .col(json(OneOnOneSeries::Agenda))
                    .col(timestamp_with_time_zone(OneOnOneSeries::CreatedAt))
                    .col(timestamp_with_time_zone(OneOnOneSeries::UpdatedAt))
                    .foreign_key(&mut cascade(
                        "fk_series_manager",
                        (OneOnOneSeries::Table, OneOnOneSeries::ManagerId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "fk_series_rep",
                        (OneOnOneSeries::Table, OneOnOneSeries::RepId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_series_pair")
                    .table(OneOnOneSeries::Table)
                    .col(OneOnOneSeries::ManagerId)
                    .col(OneOnOneSeries::RepId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OneOnOnes::Table)
                    .col(pk_uuid(OneOnOnes::Id))
                    .col(uuid(OneOnOnes::OrganisationId))
                    .col(uuid(OneOnOnes::SeriesId))
                    .col(uuid(OneOnOnes::ManagerId))
                    .col(uuid(OneOnOnes::RepId))
                    .col(string_len(OneOnOnes::Week, 8))
                    .col(timestamp_with_time_zone(OneOnOnes::ScheduledAt))
                    .col(integer(OneOnOnes::DurationMinutes))
                    .col(string_len(OneOnOnes::Status, 16))
                    .col(text(OneOnOnes::Notes))
                    .col(timestamp_with_time_zone_null(OneOnOnes::HeldAt))
                    .col(timestamp_with_time_zone(OneOnOnes::CreatedAt))
                    .col(timestamp_with_time_zone(OneOnOnes::UpdatedAt))
                    .foreign_key(&mut cascade(
                        "fk_one_on_ones_series",
                        (OneOnOnes::Table, OneOnOnes::SeriesId),
                        (OneOnOneSeries::Table, OneOnOneSeries::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_one_on_ones_series_week")
                    .table(OneOnOnes::Table)
                    .col(OneOnOnes::SeriesId)
                    .col(OneOnOnes::Week)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Clips::Table)
                    .col(pk_uuid(Clips::Id))
                    .col(uuid(Clips::OrganisationId))
                    .col(uuid(Clips::OneOnOneId))
                    .col(integer(Clips::Position))
                    .col(uuid(Clips::CallId))
                    .col(big_integer(Clips::StartMs))
                    .col(big_integer(Clips::EndMs))
                    .col(uuid_null(Clips::CommentId))
                    .col(text_null(Clips::Note))
                    .col(timestamp_with_time_zone(Clips::CreatedAt))
                    .foreign_key(&mut cascade(
                        "fk_clips_one_on_one",
                        (Clips::Table, Clips::OneOnOneId),
                        (OneOnOnes::Table, OneOnOnes::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "fk_clips_call",
                        (Clips::Table, Clips::CallId),
                        (Calls::Table, Calls::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ActionItems::Table)
                    .col(pk_uuid(ActionItems::Id))
                    .col(uuid(ActionItems::OrganisationId))
                    .col(uuid(ActionItems::OneOnOneId))
                    .col(text(ActionItems::Text))
                    .col(uuid_null(ActionItems::OwnerId))
                    .col(date_null(ActionItems::DueDate))
                    .col(timestamp_with_time_zone_null(ActionItems::DoneAt))
                    .col(timestamp_with_time_zone(ActionItems::CreatedAt))
                    .col(timestamp_with_time_zone(ActionItems::UpdatedAt))
                    .foreign_key(&mut cascade(
                        "fk_action_items_one_on_one",
                        (ActionItems::Table, ActionItems::OneOnOneId),
                        (OneOnOnes::Table, OneOnOnes::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FocusSkills::Table)
                    .col(pk_uuid(FocusSkills::Id))
                    .col(uuid(FocusSkills::OrganisationId))
                    .col(uuid(FocusSkills::RepId))
                    .col(string_len(FocusSkills::Criterion, 64))
                    .col(text(FocusSkills::Diagnosis))
                    .col(string_len(FocusSkills::PrescriptionKind, 16))
                    .col(text(FocusSkills::PrescriptionText))
                    .col(integer_null(FocusSkills::TargetScore))
                    .col(string_len(FocusSkills::Status, 16))
                    .col(timestamp_with_time_zone(FocusSkills::StartedAt))
                    .col(timestamp_with_time_zone_null(FocusSkills::EndedAt))
                    .col(uuid(FocusSkills::CreatedBy))
                    .col(timestamp_with_time_zone(FocusSkills::CreatedAt))
                    .col(timestamp_with_time_zone(FocusSkills::UpdatedAt))
                    .foreign_key(&mut cascade(
                        "fk_focus_rep",
                        (FocusSkills::Table, FocusSkills::RepId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(Nominations::Table)
                    .add_column(uuid_null(Nominations::FocusId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Nominations::Table)
                    .drop_column(Nominations::FocusId)
                    .to_owned(),
            )
            .await?;
        for table in [
            FocusSkills::Table.into_iden(),
            ActionItems::Table.into_iden(),
            Clips::Table.into_iden(),
            OneOnOnes::Table.into_iden(),
            OneOnOneSeries::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
