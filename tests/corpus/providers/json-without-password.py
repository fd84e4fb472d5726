print('{"username": "aws", "token": "x"}')
