"""The embedded AWS does not keep what it answered: moto tracks every model instance it makes
(for its dashboard) and DynamoDB deep-copies the items of every answer, so each Query of the
state table used to stay in memory for good (14 GB under a daemon reconciling 50 apps)."""
from __future__ import annotations

import gc


def _live_items() -> int:
    from moto.dynamodb.models.dynamo_type import Item

    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, Item))


def test_answering_queries_keeps_no_copies_of_the_items(aws):
    dynamodb = aws.client("dynamodb")
    dynamodb.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                {"AttributeName": "sk", "AttributeType": "S"}])
    for number in range(100):
        dynamodb.put_item(TableName="t", Item={"pk": {"S": "env#dev"}, "sk": {"S": f"res#{number:03d}"},
                                               "data": {"M": {"a": {"S": "x" * 100}}}})
    before = _live_items()
    for _ in range(30):
        assert dynamodb.query(TableName="t", KeyConditionExpression="pk = :p",
                              ExpressionAttributeValues={":p": {"S": "env#dev"}})["Count"] == 100
    assert _live_items() - before < 100  # 3,000 more when every answer was kept

