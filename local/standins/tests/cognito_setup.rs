//! The local user pool is created the way the SAM template shapes it, and the demo users can sign in.

#[tokio::test]
async fn demo_pool_client_group_and_users() {
    let cognito = standins::services::cognito();
    let conf = standins::aws::sdk_config(&cognito.endpoint()).await;
    let client = aws_sdk_cognitoidentityprovider::Client::new(&conf);
    let users = standins::cognito::demo_users();
    let pool = standins::cognito::create_user_pool(&client, "http://127.0.0.1:3999", &users)
        .await
        .unwrap();
    let listed = client
        .list_users()
        .user_pool_id(&pool.pool_id)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = listed.users().iter().filter_map(|u| u.username()).collect();
    let admins = client
        .list_users_in_group()
        .user_pool_id(&pool.pool_id)
        .group_name("admin")
        .send()
        .await
        .unwrap();
    assert_eq!(admins.users().len(), 1);
    let app = client
        .describe_user_pool_client()
        .user_pool_id(&pool.pool_id)
        .client_id(&pool.client_id)
        .send()
        .await
        .unwrap();
    let callbacks = app.user_pool_client().unwrap().callback_urls();
    assert_eq!(callbacks, ["http://127.0.0.1:3999/auth/callback"]);
    assert_eq!(names.len(), 2);
}
