from django.urls import path

from wallets.apis import funders, grants, imports, learners, programmes

urlpatterns = [
    # Funders' officers and auditors
    path("funders/mine", funders.FunderMineListApi.as_view(), name="funder-mine"),
    path("funders/<int:funder_id>", funders.FunderDetailApi.as_view(), name="funder-detail"),
    path(
        "funder/programmes", programmes.ProgrammeListCreateApi.as_view(), name="funder-programmes"
    ),
    path(
        "funder/programmes/<int:programme_id>",
        programmes.ProgrammeDetailApi.as_view(),
        name="funder-programme",
    ),
    path(
        "funder/programmes/<int:programme_id>/activate",
        programmes.ProgrammeActivateApi.as_view(),
        name="funder-programme-activate",
    ),
    path(
        "funder/programmes/<int:programme_id>/close",
        programmes.ProgrammeCloseApi.as_view(),
        name="funder-programme-close",
    ),
    path(
        "funder/programmes/<int:programme_id>/fund",
        programmes.ProgrammeFundApi.as_view(),
        name="funder-programme-fund",
    ),
    path(
        "funder/programmes/<int:programme_id>/balance",
        programmes.ProgrammeBalanceApi.as_view(),
        name="funder-programme-balance",
    ),
    path(
        "funder/programmes/<int:programme_id>/providers",
        programmes.ProgrammeProviderApproveApi.as_view(),
        name="funder-programme-providers",
    ),
    path(
        "funder/programmes/<int:programme_id>/applications",
        grants.ProgrammeApplicationListApi.as_view(),
        name="funder-programme-applications",
    ),
    path(
        "funder/programmes/<int:programme_id>/grants",
        grants.ProgrammeGrantListCreateApi.as_view(),
        name="funder-programme-grants",
    ),
    path(
        "funder/programmes/<int:programme_id>/grants/bulk",
        grants.ProgrammeBulkGrantApi.as_view(),
        name="funder-programme-grants-bulk",
    ),
    path(
        "funder/programmes/<int:programme_id>/grant-imports",
        imports.ProgrammeGrantImportApi.as_view(),
        name="funder-programme-grant-imports",
    ),
    path(
        "funder/grant-imports/<int:import_id>",
        imports.GrantImportDetailApi.as_view(),
        name="funder-grant-import",
    ),
    path(
        "funder/grant-imports/<int:import_id>/cancel",
        imports.GrantImportCancelApi.as_view(),
        name="funder-grant-import-cancel",
    ),
    path(
        "funder/grant-imports/<int:import_id>/resume",
        imports.GrantImportResumeApi.as_view(),
        name="funder-grant-import-resume",
    ),
    path(
        "funder/applications/<int:application_id>/approve",
        grants.ApplicationApproveApi.as_view(),
        name="funder-application-approve",
    ),
    path(
        "funder/applications/<int:application_id>/refuse",
        grants.ApplicationRefuseApi.as_view(),
        name="funder-application-refuse",
    ),
    # Learners
    path("wallet", learners.WalletApi.as_view(), name="wallet"),
    path("wallet/pots", learners.WalletPotListApi.as_view(), name="wallet-pots"),
    path("wallet/statement", learners.WalletStatementApi.as_view(), name="wallet-statement"),
    path("programmes", learners.OpenProgrammeListApi.as_view(), name="programmes-open"),
    path(
        "programmes/<int:programme_id>/eligibility",
        learners.ProgrammeEligibilityApi.as_view(),
        name="programme-eligibility",
    ),
    path(
        "programmes/<int:programme_id>/applications",
        learners.ProgrammeApplyApi.as_view(),
        name="programme-apply",
    ),
    path("applications/mine", learners.MyApplicationListApi.as_view(), name="applications-mine"),
]
